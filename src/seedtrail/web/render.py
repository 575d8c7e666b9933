"""The dashboard's request context, templates and the wrappers every page and form goes through.

:func:`page` signs the visitor in from the session cookie (or sends them to the sign-in page),
picks the language and turns a :class:`~seedtrail.core.errors.SeedtrailError` into an HTML page that
says what to do. :func:`action` does the same for form posts and checks the CSRF token.
Authorization is never decided here: views call the same functions the API calls.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from seedtrail import __version__, messages
from seedtrail.attribution import commission, metrics
from seedtrail.core import principals
from seedtrail.core.errors import (
    BadRequest,
    Forbidden,
    InvalidInput,
    SeedtrailError,
    Unauthorized,
)
from seedtrail.core.principals import Principal
from seedtrail.core.settings import Settings
from seedtrail.intake.directory import PartnerDirectory
from seedtrail.messages import Msg, compact
from seedtrail.store.store import Store
from seedtrail.store.types import MAX_INT
from seedtrail.web import i18n, session

PREFIX = "/ui"
log = logging.getLogger("seedtrail.web")
MAX_FORM_BYTES = 64 * 1024


def _lang(context: Any) -> str:
    return str(context.get("lang") or i18n.DEFAULT)


@pass_context
def when(context: Any, value: Any) -> str:
    """A time for people in the page's language (Babel, UTC): epoch seconds (as detectors write
    them), a datetime or ISO text; nothing as a dash."""
    return messages.when(_lang(context), value)


@pass_context
def fmt(context: Any, value: float | None, digits: int = 0) -> str:
    """A number with the page's locale's grouping (Babel)."""
    return messages.number(_lang(context), value, digits)


@pass_context
def units(context: Any, values: Any, dimension: str = "category") -> str:
    """Units of a policy change, joined with the locale's comma: a category as its word in the
    page's language, a partner by its name (the page's ``partner_names``), anything else (a
    unit typed by hand) as written."""
    lang = _lang(context)
    words = [str(v) for v in ([values] if isinstance(values, str) else values)]
    if dimension == "category":
        words = [messages.word(lang, "category", w) for w in words]
    elif dimension == "partner":
        words = [partner(context, w) for w in words]
    return messages.translate(lang, "list.comma").join(words)


@pass_context
def partner(context: Any, slug: Any) -> str:
    """A partner by its display name, from the ``partner_names`` (slug → name) the view passed
    (one query per page, :func:`seedtrail.links.partners.names`); a slug it lacks as written."""
    names: dict[str, str] = context.get("partner_names") or {}
    return names.get(str(slug), str(slug))


@pass_context
def word(context: Any, family: str, value: object) -> str:
    """A stored value of a family of keys in the page's language, or as written
    (:func:`seedtrail.messages.word`)."""
    return messages.word(_lang(context), family, value)


@pass_context
def pct(context: Any, value: float | None, digits: int = 0) -> str:
    """A share (0.5) as a percentage in the page's locale (50%); nothing as a dash."""
    return messages.percent(_lang(context), value, digits)


@pass_context
def money(context: Any, value: float | None, currency: str = "CNY") -> str:
    """An amount in the page's locale: ¥1,234.50 in Chinese, CN¥1,234.50 in English (Babel)."""
    return messages.money(_lang(context), value, currency)


@pass_context
def msg(context: Any, value: Any) -> str:
    """A domain message (``{"code", "params"}`` or :class:`~seedtrail.messages.Msg`) in the
    page's language; text stored before messages had codes is shown as it is."""
    return messages.render(_lang(context), value)


@dataclass
class Web:
    """What every page needs: settings, store, session keys and templates."""

    settings: Settings
    store: Store
    keys: session.SessionKeys
    env: Environment
    directory: PartnerDirectory

    @classmethod
    def create(cls, settings: Settings, store: Store) -> Web:
        env = Environment(
            loader=PackageLoader("seedtrail.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(
            fmt=fmt, money=money, pct=pct, word=word, version=__version__, prefix=PREFIX
        )
        env.filters["compact"] = compact
        env.filters["when"] = when
        env.filters["msg"] = msg
        env.filters["units"] = units
        env.filters["partner"] = partner
        return cls(
            settings,
            store,
            session.SessionKeys.from_secret(settings.resolved_secret_key()),
            env,
            PartnerDirectory(store, settings.partner_key_cache_s),
        )


@dataclass
class Ctx:
    """One request as a page sees it."""

    web: Web
    request: Request
    lang: str
    actor: Principal | None
    cookie: str | None
    query: dict[str, str] = field(default_factory=dict)

    def t(self, key: str, **fields: object) -> str:
        return i18n.translate(self.lang, key, **fields)

    def m(self, name: str) -> str:
        """A figure's heading from the metric registry, in the page's language."""
        return metrics.get(name).heading(self.lang)

    def label(self, family: str, value: object) -> str:
        """The label of ``value`` in a family of keys (``severity`` + ``high``); such keys are
        listed in :data:`seedtrail.web.i18n.BUILT_KEYS` so extraction finds them."""
        key = f"{family}.{value}"
        return self.t(key)

    def label_or(self, family: str, value: object) -> str:
        """Like :meth:`label` for a family that also takes free text (a detector's name): the
        value as it is when the catalogue has no key for it."""
        return messages.word(self.lang, family, value)

    @property
    def csrf(self) -> str:
        return self.web.keys.csrf(self.cookie) if self.cookie else ""

    @property
    def ident(self) -> int:
        """The ``{ident}`` of the page's address, a row id (:func:`row_id`)."""
        return row_id(self.request.path_params["ident"], "ident")

    @property
    def user(self) -> Principal:
        if self.actor is None:
            raise Unauthorized(Msg("web.error.sign_in"))
        return self.actor

    def _buyer(self) -> bool:
        """Whether the signed-in principal is a buyer's own key (its navigation then offers the
        commission statement)."""
        actor = self.actor
        if actor is None or actor.role != "creator":
            return False
        try:
            with self.web.store.read() as conn:
                return commission.is_buyer(conn, actor.account_id)
        except SQLAlchemyError:  # an error page while the store is down: a menu without it
            return False

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        from seedtrail.web import nav

        entries = nav.items(self.actor, buyer=self._buyer()) if self.actor else []
        html = self.web.env.get_template(template).render(
            t=self.t,
            m=self.m,
            lang=self.lang,
            actor=self.actor,
            csrf=self.csrf,
            path=self.request.url.path,
            full_path=_full_path(self.request),
            nav=entries,
            nav_current=nav.current(entries, self.request.url.path),
            done=self.query.get("done"),
            **values,
        )
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)


def row_id(value: object, where: str) -> int:
    """``value`` (a path or form field ``where``) as a row id: 1 to the store's largest integer,
    else a 422 page naming it, as the API answers (a number past 64 bits cannot even be looked up:
    it was a 500). Text that is no number raises ``ValueError`` (the caller says what it wants)."""
    number = int(str(value))
    if not 1 <= number <= MAX_INT:
        raise InvalidInput(
            Msg("web.error.id_range", {"where": where, "id": number, "max": MAX_INT})
        )
    return number


_NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def _full_path(request: Request) -> str:
    q = request.url.query
    return request.url.path + (f"?{q}" if q else "")


def context(request: Request) -> Ctx:
    web: Web = request.app.state.web
    lang = i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))
    cookie = request.cookies.get(session.COOKIE)
    pid = web.keys.verify(cookie)
    actor = None
    if pid is not None:
        try:
            with web.store.read() as conn:
                actor = principals.by_id(conn, pid)
        except Unauthorized:
            actor = None
    return Ctx(web, request, lang, actor, cookie if actor else None, dict(request.query_params))


def safe_next(target: str | None) -> str:
    """Only local dashboard paths: no scheme, no host, no ``//``."""
    if (
        target
        and target.startswith(PREFIX + "/")
        and "\\" not in target
        and "://" not in target
        and "//" not in target
    ):
        return target
    return PREFIX + "/"


def error_page(ctx: Ctx, exc: SeedtrailError) -> HTMLResponse:
    """The error as a page; a reader without a key (a public page) is told what they can do,
    not sent back to lists and a start page that only signed-in people have."""
    hint = {
        401: "error.hint.401",
        403: "error.hint.403",
        404: "error.hint.404" if ctx.actor else "error.hint.404_public",
        409: "error.hint.409",
        422: "error.hint.422",
    }.get(exc.status, "error.hint.other")
    key = f"problem.{exc.code}"  # titles are listed in api.problems.TITLES
    title = ctx.t(key) if messages.has(ctx.lang, key) else exc.title
    return ctx.render("error.html", status=exc.status, error=exc, title=title, hint=ctx.t(hint))


def _signin_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(
        f"{PREFIX}/signin?next={quote(_full_path(request), safe='')}", status_code=303
    )


Handler = Callable[[Ctx], Response]


def _not_offered(actor: Principal, path: str) -> bool:
    from seedtrail.web import nav

    return nav.refuses(actor, path)


def page(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A signed-in GET page. The handler runs in a worker thread (it reads the store)."""

    async def endpoint(request: Request) -> Response:
        ctx = await run_in_threadpool(context, request)
        if ctx.actor is None:
            return _signin_redirect(request)
        if _not_offered(ctx.actor, request.url.path):
            role = messages.term("role", ctx.actor.role)
            return error_page(ctx, Forbidden(Msg("web.error.not_your_view", {"role": role})))
        try:
            return await run_in_threadpool(fn, ctx)
        except SeedtrailError as exc:
            return error_page(ctx, exc)
        except Exception:  # a bug or a broken input file: logged, and a page that says so
            log.exception("dashboard page %s failed", request.url.path)
            return error_page(ctx, SeedtrailError(Msg("web.error.page_failed")))

    endpoint.__name__ = fn.__name__
    return endpoint


def public(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A public GET page (the community's own pages): no sign-in, the same language choice and
    error pages as the dashboard; a signed-in visitor is only who they are, never more."""

    async def endpoint(request: Request) -> Response:
        ctx = await run_in_threadpool(context, request)
        try:
            return await run_in_threadpool(fn, ctx)
        except SeedtrailError as exc:
            return error_page(ctx, exc)
        except Exception:
            log.exception("public page %s failed", request.url.path)
            return error_page(ctx, SeedtrailError(Msg("web.error.page_failed")))

    endpoint.__name__ = fn.__name__
    return endpoint


FormHandler = Callable[[Ctx, dict[str, str]], Response]


async def read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise BadRequest(Msg("web.error.form_too_large"))
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise BadRequest(Msg("web.error.form_type"))
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def action(fn: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A signed-in form post with a CSRF token; errors render as a page saying what to fix."""

    async def endpoint(request: Request) -> Response:
        ctx = await run_in_threadpool(context, request)
        if ctx.actor is None:
            return _signin_redirect(request)
        try:
            form = await read_form(request)
            if not ctx.web.keys.check_csrf(ctx.cookie, form.get("csrf")):
                raise BadRequest(Msg("web.error.form_expired"))
            return await run_in_threadpool(fn, ctx, form)
        except SeedtrailError as exc:
            return error_page(ctx, exc)

    endpoint.__name__ = fn.__name__
    return endpoint


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303)

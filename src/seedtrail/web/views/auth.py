"""Sign in with an API key (posted in a form, never in a URL), sign out, switch language."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from seedtrail.core import principals
from seedtrail.core.errors import SeedtrailError, Unauthorized
from seedtrail.web import i18n, nav, session
from seedtrail.web.render import PREFIX, context, read_form, redirect, safe_next


async def signin_form(request: Request) -> Response:
    ctx = await run_in_threadpool(context, request)
    if ctx.actor is not None and "next" not in ctx.query:
        return redirect(nav.HOME.get(ctx.actor.role, PREFIX + "/"))
    return ctx.render("signin.html", next=safe_next(ctx.query.get("next")), failed=False)


def _authenticate(request: Request, key: str) -> principals.Principal:
    with request.app.state.web.store.read() as conn:
        return principals.authenticate(conn, key.strip() or None)


async def signin(request: Request) -> Response:
    ctx = await run_in_threadpool(context, request)
    try:
        form = await read_form(request)
        actor = await run_in_threadpool(_authenticate, request, form.get("key", ""))
    except (Unauthorized, SeedtrailError):
        return ctx.render("signin.html", status=401, next=safe_next(None), failed=True)
    target = safe_next(form.get("next"))
    if target == PREFIX + "/":
        target = nav.HOME.get(actor.role, target)
    resp = redirect(target)
    web = ctx.web
    resp.set_cookie(
        session.COOKIE,
        web.keys.issue(actor.id),
        max_age=session.MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=web.settings.public_base_url.startswith("https://"),
        path=PREFIX,
    )
    return resp


async def signout(request: Request) -> Response:
    resp = redirect(f"{PREFIX}/signin")
    resp.delete_cookie(session.COOKIE, path=PREFIX)
    return resp


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    target = safe_next(request.query_params.get("next"))
    resp: Response = RedirectResponse(target, status_code=303)
    if lang in i18n.LANGS:
        resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", path=PREFIX)
    return resp


async def home(request: Request) -> Response:
    ctx = await run_in_threadpool(context, request)
    if ctx.actor is None:
        return redirect(f"{PREFIX}/signin")
    return redirect(nav.HOME.get(ctx.actor.role, f"{PREFIX}/signin"))

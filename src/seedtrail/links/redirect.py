"""GET /r/{code}: the click redirect, as a bare ASGI app on the hot path.

Each click gets a fresh click id, is committed to the click log, and only then answered: 302 to
the shop's web page (with the click id as a query parameter), or to an interstitial that tries the
shop's app, or to a consent page before a WeChat mini program. Closed or expired links land on a
neutral page; unknown codes get 404; clients over the rate limit get 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from seedtrail.links import codes
from seedtrail.links.clicklog import Click, ClickLog, ClickLogError
from seedtrail.links.ratelimit import RateLimiter
from seedtrail.links.resolver import LiveLink, Miss, Resolver
from seedtrail.links.segment import ClickSegment
from seedtrail.links.taps import (
    CAMPAIGN_PARAM,
    PREFIX,
    Repeats,
    add_param,
    campaign,
    click_row,
    destination,
    referrer_host,
)
from seedtrail.links.useragent import BOT_CLASSES, cached_classifier
from seedtrail.links.viewer import COOKIE, HEADER, ViewerKeys, cookie_from_header

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
__all__ = [
    "HEADERS_READ",
    "PREFIX",
    "TEXT",
    "Pending",
    "Receive",
    "RedirectApp",
    "Request",
    "Response",
    "Scope",
    "Send",
    "Unresolved",
    "add_param",
    "lead_headers",
    "templates",
]


def templates() -> Environment:
    return Environment(
        loader=PackageLoader("seedtrail.links", "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


#: Response headers on every answer.
_COMMON = (
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
)
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
#: The request headers the redirect reads (lower case); every transport keeps only these
#: (ASGI hands over all of them).
HEADERS_READ = ("user-agent", "referer", "cookie", HEADER, "x-forwarded-for")
_WANTED = frozenset(name.encode() for name in HEADERS_READ)


class Response:
    """One answer: its status, its own headers (``location``, ``set-cookie``, ``retry-after``,
    ``allow``) and its body. Every answer also carries its content type and length and the
    :data:`_COMMON` headers, in that order (:meth:`header_list`); a transport may keep that
    leading block encoded: it is the same for every answer with the same status, content type
    and length (every 302, say)."""

    __slots__ = ("body", "content_type", "headers", "length", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]] | tuple[()] = (),
        head: bool = False,
        content_type: str = HTML,
    ) -> None:
        self.status = status
        self.headers = headers
        self.content_type = content_type
        self.length = len(body)  # a HEAD answer says the length of the body it leaves out
        self.body = b"" if head else body

    def header_list(self) -> list[tuple[str, str]]:
        return [*lead_headers(self.content_type, self.length), *self.headers]


def lead_headers(content_type: str, length: int) -> list[tuple[str, str]]:
    """The headers every answer starts with."""
    return [("content-type", content_type), ("content-length", str(length)), *_COMMON]


class Headers(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...


@dataclass(slots=True)
class Request:
    """What the redirect needs from a request, whatever the server interface."""

    method: str
    path: str
    query: str
    headers: Headers  # lower-case names
    client: str


@dataclass(slots=True)
class Pending:
    """A click to make durable (:attr:`row`), and the answer to send once it is."""

    row: Click
    response: Response


@dataclass(slots=True)
class Unresolved:
    """The link is not in memory: load ``code`` (off the event loop), then :meth:`finish`."""

    code: str
    sub: str
    now: float


class RedirectApp:
    def __init__(
        self,
        *,
        resolver: Resolver,
        clicklog: ClickLog | ClickSegment,
        viewer_keys: ViewerKeys,
        limiter: RateLimiter,
        click_param: str,
        duplicate_window_s: float,
        partner_names: Callable[[int], str],
        trust_forwarded_for: bool = False,
        secure_cookies: bool = False,
    ) -> None:
        self.resolver = resolver
        self.clicklog = clicklog
        self.viewer_keys = viewer_keys
        self.limiter = limiter
        self.param = click_param
        self.partner_names = partner_names
        self.trust_xff = trust_forwarded_for
        self.cookie_attrs = "; Path=/r/; Max-Age=31536000; HttpOnly; SameSite=Lax" + (
            "; Secure" if secure_cookies else ""
        )
        self.env = templates()
        self.classify = cached_classifier()
        self.repeats = Repeats(duplicate_window_s)
        self.click_ids = codes.ClickIds()
        #: taps whose campaign (``c``) was dropped, by reason (:data:`taps.DROPPED`)
        self.campaigns_dropped: Counter[str] = Counter()
        self._pages = {
            name: self.env.get_template(f"{name}.html").render().encode()
            for name in ("unavailable", "not_found", "unavailable_log")
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _WANTED
        }
        client = scope.get("client")
        req = Request(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            str(client[0]) if client else "-",
        )
        resp = await self.respond(req)
        await send(
            {
                "type": "http.response.start",
                "status": resp.status,
                "headers": [
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.header_list()
                ],
            }
        )
        await send({"type": "http.response.body", "body": resp.body})

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """RSGI entry point (granian): the same answer with no ASGI messages in between."""
        client = scope.client
        req = Request(
            scope.method,
            scope.path,
            scope.query_string,
            scope.headers,
            client.rpartition(":")[0] if ":" in client else client,
        )
        resp = await self.respond(req)
        if resp.body:
            proto.response_bytes(resp.status, resp.header_list(), resp.body)
        else:
            proto.response_empty(resp.status, resp.header_list())

    async def respond(self, req: Request) -> Response:
        """The answer to one request under ``/r/``, once its click (if any) is durable."""
        got = self.answer(req)
        if isinstance(got, Unresolved):
            link = await asyncio.to_thread(self.resolver.lookup, got.code)
            got = self.finish(req, link, got.sub, got.now)
        if isinstance(got, Pending):
            try:
                await self.clicklog.write(got.row)
            except ClickLogError:
                return self.log_failed(req.method == "HEAD")
            return got.response
        return got

    def answer(self, req: Request) -> Response | Pending | Unresolved:
        """What to do with one request, without waiting: the answer; or the click to make durable
        first and the answer after it (:class:`Pending`); or a link to load from the store first
        (:class:`Unresolved`, then :meth:`finish`)."""
        method = req.method
        if method != "GET" and method != "HEAD":
            return Response(
                405,
                b"method not allowed",
                [("allow", "GET, HEAD")],
                False,
                content_type=TEXT,
            )
        now = time.time()
        wait = self.limiter.hit(self._client(req), now)
        if wait:
            page = self.env.get_template("rate_limited.html").render(retry_after=wait).encode()
            return Response(429, page, [("retry-after", str(wait))], method == "HEAD")
        code, _, sub = req.path[len(PREFIX) :].partition("/")
        if not codes.CODE_RE.match(code):
            return self.not_found(method == "HEAD")
        found = self.resolver.cached(code, now)
        if isinstance(found, Miss):
            return Unresolved(code, sub, now)
        return self.finish(req, found, sub, now)

    def finish(
        self, req: Request, link: LiveLink | None, sub: str, now: float
    ) -> Response | Pending:
        """The answer once the link is known (None: no such link)."""
        head = req.method == "HEAD"
        if link is None:
            return self.not_found(head)
        if sub:
            return self._interstitial(req, link, sub, head)
        return self._click(req, link, now)

    def not_found(self, head: bool) -> Response:
        return Response(404, self._pages["not_found"], [], head)

    def log_failed(self, head: bool) -> Response:
        """503: the click could not be made durable, so no redirect."""
        return Response(503, self._pages["unavailable_log"], [("retry-after", "1")], head)

    def _client(self, req: Request) -> str:
        if self.trust_xff:
            forwarded = req.headers.get("x-forwarded-for")
            if forwarded:
                return str(forwarded.split(",")[0].strip())
        return req.client

    def _click(self, req: Request, link: LiveLink, now: float) -> Pending:
        """The click log row of a tap, and the answer to send once the row is durable. The
        redirect's hot path: each line here runs once per click."""
        get = req.headers.get
        method = req.method
        head = method == "HEAD"
        header_key = get(HEADER)
        viewer = ViewerKeys.from_header(header_key) if header_key else None
        set_cookie = False
        if viewer is None:
            cookie = get("cookie")
            raw = cookie_from_header(cookie) if cookie else None
            viewer = self.viewer_keys.from_cookie(raw) if raw else None
        if viewer is None:
            viewer, set_cookie = ViewerKeys.new(), True
        ua_class = self.classify(get("user-agent") or "")
        is_bot = head or ua_class in BOT_CLASSES  # previewers probe with HEAD
        is_dup = not is_bot and self.repeats.seen(viewer, link.mount_id, now)
        click_id = self.click_ids(now)
        outcome, location = destination(link, click_id, self.param)
        query = req.query
        row = click_row(
            link,
            click_id=click_id,
            ts_us=int(now * 1_000_000),
            viewer=viewer,
            method=method,
            ua_class=ua_class,
            referrer_host=referrer_host(get("referer")),
            outcome=outcome,
            is_bot=is_bot,
            is_repeat=is_dup,
            campaign_id=campaign(link, _query_value(query, CAMPAIGN_PARAM), self.campaigns_dropped)
            if query
            else None,
        )
        extra = []
        if set_cookie:
            extra.append(
                (
                    "set-cookie",
                    f"{COOKIE}={self.viewer_keys.cookie_value(viewer)}{self.cookie_attrs}",
                )
            )
        if location is None:
            return Pending(row, Response(410, self._pages["unavailable"], extra, head))
        extra.append(("location", location))
        return Pending(row, Response(302, b"", extra, head))

    def _interstitial(self, req: Request, link: LiveLink, sub: str, head: bool) -> Response:
        target = link.target
        click_id = ""
        for part in req.query.split("&"):
            name, _, value = part.partition("=")
            if name == self.param and codes.CLICK_ID_RE.match(value):
                click_id = value
        if target is None or not click_id:
            return Response(410, self._pages["unavailable"], [], head)
        web = add_param(target.web_url, self.param, click_id) if target.web_url else None
        partner = self.partner_names(link.partner_id)
        if sub == "app" and target.kind == "app" and target.app_url:
            page = self.env.get_template("app.html").render(
                partner=partner,
                web_url=web,
                app_url=add_param(target.app_url, self.param, click_id),
                ad_label=link.ad_label,
            )
        elif sub == "wechat" and target.kind == "mini_program":
            path = add_param(target.mini_program_path or "", self.param, click_id)
            wechat = (
                f"weixin://dl/business/?appid={quote(target.mini_program_app_id or '')}"
                f"&path={quote(path.partition('?')[0], safe='/')}"
                f"&query={quote(path.partition('?')[2], safe='')}"
            )
            page = self.env.get_template("wechat.html").render(
                partner=partner, web_url=web, wechat_url=wechat, ad_label=link.ad_label
            )
        else:
            return Response(404, self._pages["not_found"], [], head)
        return Response(200, page.encode(), [], head)


def _query_value(query: str, name: str) -> str | None:
    """The last value of query parameter ``name`` (raw, not percent-decoded), or None."""
    found = None
    if query:
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if key == name:
                found = value
    return found

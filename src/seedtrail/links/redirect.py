"""GET /r/{code}: the click redirect, as a bare ASGI app on the hot path.

Each click gets a fresh click id, is committed to the click log, and only then answered: 302 to
the shop's web page (with the click id as a query parameter), or to an interstitial that tries the
shop's app, or to a consent page before a WeChat mini program. Closed or expired links land on a
neutral page; unknown codes get 404; clients over the rate limit get 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from seedtrail.links import codes
from seedtrail.links.clicklog import ClickLog, ClickLogError
from seedtrail.links.ratelimit import RateLimiter
from seedtrail.links.resolver import LiveLink, Miss, Resolver
from seedtrail.links.taps import PREFIX, Repeats, add_param, click_row, destination
from seedtrail.links.useragent import BOT_CLASSES, cached_classifier
from seedtrail.links.viewer import COOKIE, HEADER, ViewerKeys, cookie_from_header

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
__all__ = ["PREFIX", "Receive", "RedirectApp", "Scope", "Send", "add_param", "templates"]


def templates() -> Environment:
    return Environment(
        loader=PackageLoader("seedtrail.links", "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


class RedirectApp:
    def __init__(
        self,
        *,
        resolver: Resolver,
        clicklog: ClickLog,
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
        self._pages = {
            name: self.env.get_template(f"{name}.html").render().encode()
            for name in ("unavailable", "not_found", "unavailable_log")
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            await _respond(
                send,
                405,
                b"method not allowed",
                [(b"allow", b"GET, HEAD")],
                head,
                content_type=b"text/plain; charset=utf-8",
            )
            return
        now = time.time()
        wait = self.limiter.hit(self._client(scope), now)
        if wait:
            page = self.env.get_template("rate_limited.html").render(retry_after=wait).encode()
            await _respond(send, 429, page, [(b"retry-after", str(wait).encode())], head)
            return
        code, _, sub = scope["path"][len(PREFIX) :].partition("/")
        link = None
        if codes.CODE_RE.match(code):
            found = self.resolver.cached(code)
            link = (
                await asyncio.to_thread(self.resolver.lookup, code)
                if isinstance(found, Miss)
                else found
            )
        if link is None:
            await _respond(send, 404, self._pages["not_found"], [], head)
            return
        if sub:
            await self._interstitial(scope, send, link, sub, head)
            return
        await self._click(scope, send, link, now, method)

    def _client(self, scope: Scope) -> str:
        if self.trust_xff:
            for name, value in scope["headers"]:
                if name == b"x-forwarded-for":
                    return str(value.decode("latin-1").split(",")[0].strip())
        client = scope.get("client")
        return str(client[0]) if client else "-"

    async def _click(
        self, scope: Scope, send: Send, link: LiveLink, now: float, method: str
    ) -> None:
        ua = referer = cookie = header_key = ""
        for name, value in scope["headers"]:
            if name == b"user-agent":
                ua = value.decode("latin-1")
            elif name == b"referer":
                referer = value.decode("latin-1")
            elif name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == HEADER:
                header_key = value.decode("latin-1")
        viewer = ViewerKeys.from_header(header_key) if header_key else None
        set_cookie = False
        if viewer is None and cookie:
            raw = cookie_from_header(cookie)
            viewer = self.viewer_keys.from_cookie(raw) if raw else None
        if viewer is None:
            viewer, set_cookie = ViewerKeys.new(), True
        ua_class = self.classify(ua)
        is_bot = ua_class in BOT_CLASSES or method == "HEAD"  # previewers probe with HEAD
        is_dup = not is_bot and self.repeats.seen(viewer, link.mount_id, now)
        click_id = codes.new_click_id()
        outcome, location = destination(link, click_id, self.param)
        ref_host = (urlsplit(referer).hostname or "")[:255] if referer else None
        row = click_row(
            link,
            click_id=click_id,
            ts_us=int(now * 1_000_000),
            viewer=viewer,
            method=method,
            ua_class=ua_class,
            referrer_host=ref_host,
            outcome=outcome,
            is_bot=is_bot,
            is_repeat=is_dup,
        )
        head = method == "HEAD"
        try:
            await self.clicklog.write(row)
        except ClickLogError:
            await _respond(
                send, 503, self._pages["unavailable_log"], [(b"retry-after", b"1")], head
            )
            return
        extra = []
        if set_cookie:
            extra.append(
                (
                    b"set-cookie",
                    f"{COOKIE}={self.viewer_keys.cookie_value(viewer)}{self.cookie_attrs}".encode(),
                )
            )
        if location is None:
            await _respond(send, 410, self._pages["unavailable"], extra, head)
            return
        extra.append((b"location", location.encode()))
        await _respond(send, 302, b"", extra, head)

    async def _interstitial(
        self, scope: Scope, send: Send, link: LiveLink, sub: str, head: bool
    ) -> None:
        target = link.target
        query = scope.get("query_string", b"").decode("latin-1")
        click_id = ""
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == self.param and codes.CLICK_ID_RE.match(value):
                click_id = value
        if target is None or not click_id:
            await _respond(send, 410, self._pages["unavailable"], [], head)
            return
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
            await _respond(send, 404, self._pages["not_found"], [], head)
            return
        await _respond(send, 200, page.encode(), [], head)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    head: bool,
    content_type: bytes = b"text/html; charset=utf-8",
) -> None:
    hdrs = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": b"" if head else body})

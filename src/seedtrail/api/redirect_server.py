"""The click redirect's own listener: HTTP/1.1 answered on the event loop itself.

``seedtrail serve --redirect-port P`` opens it beside the API, in every server process (with
``SO_REUSEPORT``, so several processes share the port). A request is parsed by httptools (the
parser uvicorn uses), decided by :meth:`RedirectApp.answer` and, when it is a click, answered
once the click segment reports the click on disk. Nothing else runs between the socket and the
redirect: no ASGI or RSGI messages, no framework, no hand-off to another thread, which is what
makes this listener several times cheaper per click than the same redirect behind the API.

It speaks only what a redirect needs: GET and HEAD under ``/r/``, ``/healthz``, keep-alive,
pipelined requests answered in order, and bounded everything: the request line and headers
(431/414), a body (413), requests waiting on one connection (reading pauses), idle connections
(closed after ``idle_timeout_s``) and a request that never ends (closed after ``header_timeout_s``).
A request it cannot parse gets 400 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from typing import cast

import httptools

from seedtrail.links.clicklog import ClickLogError
from seedtrail.links.redirect import (
    HEADERS_READ,
    PREFIX,
    TEXT,
    Pending,
    RedirectApp,
    Request,
    Response,
    Unresolved,
    lead_headers,
)
from seedtrail.links.segment import GroupFuture

log = logging.getLogger(__name__)
MAX_URL = 8 * 1024
#: the request's header block, counting 4 bytes of framing per header (so also a cap on headers)
MAX_HEADER_BYTES = 16 * 1024
MAX_BODY = 64 * 1024
#: requests read ahead of their answers on one connection before reading pauses
MAX_QUEUED = 32


def _header_keys() -> dict[bytes, str]:
    """Header names as clients send them (lower case, Title-Case) -> the lower-case name the
    redirect reads, or "" for a common header it ignores; other spellings are looked up again in
    lower case."""
    keys = {}
    for name in HEADERS_READ:
        keys[name.encode()] = keys["-".join(map(str.capitalize, name.split("-"))).encode()] = name
    for name in ("host", "accept", "accept-encoding", "accept-language", "connection"):
        keys[name.encode()] = keys[name.title().encode()] = ""
    return keys


_HEADER_KEYS = _header_keys()
_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    410: "Gone",
    413: "Content Too Large",
    414: "URI Too Long",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


_METHODS = {m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")}


def encode(response: Response, keep_alive: bool) -> bytes:
    """An HTTP/1.1 response: status line, headers, blank line, body."""
    parts = [_lead(response.status, response.content_type, response.length)]
    for name, value in response.headers:
        parts.append(f"{name}: {value}\r\n")
    parts.append("\r\n" if keep_alive else "connection: close\r\n\r\n")
    return "".join(parts).encode("latin-1") + response.body


@functools.lru_cache(maxsize=256)
def _lead(status: int, content_type: str, length: int) -> str:
    """The status line and the leading headers (:func:`lead_headers`): the same for every answer
    with the same status, content type and length (every 302, say), so encoded once."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in lead_headers(content_type, length)]
    return "".join(lines)


def _plain(status: int, text: str) -> Response:
    return Response(status, text.encode(), content_type=TEXT)


class RequestError(Exception):
    """The request breaks a limit: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class Slot:
    """One request's place in its connection's answer order."""

    __slots__ = ("data", "head", "keep_alive", "response")

    def __init__(self, keep_alive: bool) -> None:
        self.data: bytes | None = None
        self.keep_alive = keep_alive
        self.response: Response | None = None  # to send once the click is durable
        self.head = False


class RedirectServer:
    """The listener and its connections."""

    def __init__(
        self,
        app: RedirectApp,
        *,
        idle_timeout_s: float = 75.0,
        header_timeout_s: float = 10.0,
    ) -> None:
        self.app = app
        self.idle_timeout_s = idle_timeout_s
        self.header_timeout_s = header_timeout_s
        self.connections: set[Connection] = set()
        self._server: asyncio.base_events.Server | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, host: str, port: int) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Connection(self), host, port, reuse_port=True, backlog=4096
        )
        self._sweeper = loop.call_later(1.0, self._sweep)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def _sweep(self) -> None:
        """Close connections idle (or stuck in one request) past their timeout."""
        assert self._loop is not None
        for conn in list(self.connections):
            conn.expire()
        self._sweeper = self._loop.call_later(1.0, self._sweep)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
            for conn in list(self.connections):
                conn.close_when_idle()
            await self._server.wait_closed()
            self._server = None


class Connection(asyncio.Protocol):
    def __init__(self, server: RedirectServer) -> None:
        self.server = server
        self.app = server.app
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.client = "-"
        self.queue: deque[Slot] = deque()
        self.url = b""
        self.headers: dict[str, str] = {}
        self.header_bytes = 0
        self.body_bytes = 0
        self.in_request = False
        self.active = True  # data arrived since the last sweep
        self.request_ticks = 0  # sweeps (seconds) the current request has been arriving for
        self.idle_ticks = 0  # sweeps with no data and nothing to answer
        self.paused = False
        self.closing = False
        self._tasks: set[asyncio.Future[None]] = set()
        self.broken: RequestError | None = None  # the limit a callback found broken

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.client = str(peer[0]) if isinstance(peer, tuple) and peer else "-"
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.active = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400, "protocol upgrades are not served here")
        except httptools.HttpParserError:  # httptools wraps what a callback raises
            broken, self.broken = self.broken, None
            if broken is None:
                self._fail(400, "malformed HTTP request")
            else:
                self._fail(broken.status, str(broken))

    def pause_writing(self) -> None:  # the client reads slower than we answer
        self._pause()

    def resume_writing(self) -> None:
        self._resume()

    # httptools callbacks

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = {}
        self.header_bytes = self.body_bytes = 0
        self.in_request = True
        self.request_ticks = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_URL:
            self.broken = RequestError(414, "request line too long")
            raise self.broken

    def on_header(self, name: bytes, value: bytes) -> None:
        size = self.header_bytes = self.header_bytes + len(name) + len(value) + 4
        if size > MAX_HEADER_BYTES:
            self.broken = RequestError(431, "request headers too large")
            raise self.broken
        key = _HEADER_KEYS.get(name)
        if key is None:
            key = _HEADER_KEYS.get(name.lower())
        if key:
            self.headers[key] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        if self.body_bytes > MAX_BODY:
            self.broken = RequestError(413, "request body too large")
            raise self.broken

    def on_message_complete(self) -> None:
        self.in_request = False
        if self.closing:  # after a request that closes the connection: not answered
            return
        parser = self.parser
        slot = Slot(bool(parser.should_keep_alive()))
        queue = self.queue
        queue.append(slot)
        if len(queue) >= MAX_QUEUED:
            self._pause()
        target = self.url
        if target[:1] == b"/":  # origin form, as every client but a proxy sends
            path, _, query = target.decode("latin-1").partition("?")
        else:
            try:
                url = httptools.parse_url(target)
            except httptools.HttpParserInvalidURLError:
                self._ready(slot, _plain(400, "malformed request target"))
                return
            path = (url.path or b"/").decode("latin-1")
            query = url.query.decode("latin-1") if url.query else ""
        raw_method = parser.get_method()
        method = _METHODS.get(raw_method) or raw_method.decode("latin-1")
        if not path.startswith(PREFIX):
            ok = path == "/healthz" and method in ("GET", "HEAD")
            answer = _plain(200, "ok") if ok else self.app.not_found(method == "HEAD")
            self._ready(slot, answer)
            return
        req = Request(method, path, query, self.headers, self.client)
        got = self.app.answer(req)
        if isinstance(got, Pending):
            self._await_click(slot, got, method == "HEAD")
        elif isinstance(got, Unresolved):
            self._tasks.add(task := asyncio.ensure_future(self._resolve(slot, req, got)))
            task.add_done_callback(self._tasks.discard)
        else:
            self._ready(slot, got)

    # answers

    def _await_click(self, slot: Slot, pending: Pending, head: bool) -> None:
        slot.response = pending.response
        slot.head = head
        fut = self.app.clicklog.write(pending.row)
        if isinstance(fut, GroupFuture):
            fut.on_settled(self._click_settled, slot)
        else:  # the store's click log answers with a coroutine
            task = asyncio.ensure_future(fut)
            task.add_done_callback(lambda t: self._click_settled(slot, t.exception() is not None))

    def _click_settled(self, slot: Slot, failed: bool) -> None:
        response = self.app.log_failed(slot.head) if failed else slot.response
        assert response is not None
        self._ready(slot, response)

    async def _resolve(self, slot: Slot, req: Request, unresolved: Unresolved) -> None:
        head = req.method == "HEAD"
        try:
            link = await asyncio.to_thread(self.app.resolver.lookup, unresolved.code)
        except Exception:  # the store is unreachable: no answer can be decided
            log.exception("redirect: loading link %s failed", unresolved.code)
            self._ready(slot, self.app.log_failed(head))
            return
        got = self.app.finish(req, link, unresolved.sub, unresolved.now)
        if isinstance(got, Pending):
            try:
                await self.app.clicklog.write(got.row)
            except ClickLogError:
                got = self.app.log_failed(head)
            else:
                got = got.response
        self._ready(slot, got)

    def _ready(self, slot: Slot, response: Response) -> None:
        slot.data = encode(response, slot.keep_alive)
        self._drain()

    def _drain(self) -> None:
        """Write every answer ready at the head of the queue, in request order."""
        queue = self.queue
        transport = self.transport
        while queue and queue[0].data is not None:
            slot = queue.popleft()
            if transport is None or transport.is_closing():
                continue
            transport.write(slot.data)  # type: ignore[arg-type]
            if not slot.keep_alive:
                self.closing = True
                transport.close()
        if self.paused and len(queue) < MAX_QUEUED // 2:
            self._resume()
        if self.closing and not queue and transport is not None:
            transport.close()

    def _fail(self, status: int, text: str) -> None:
        """Answer a broken request after those before it, then close."""
        slot = Slot(keep_alive=False)
        self.queue.append(slot)
        self.closing = True
        if self.transport is not None:
            self.transport.pause_reading()
        self._ready(slot, _plain(status, text))

    def _pause(self) -> None:
        if not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self.paused and self.transport is not None and not self.closing:
            self.paused = False
            self.transport.resume_reading()

    def expire(self) -> None:
        """Called once a second: close a connection whose request has been arriving for longer
        than ``header_timeout_s``, or that has been idle for longer than ``idle_timeout_s``."""
        if self.in_request:
            self.request_ticks += 1
            if self.request_ticks > self.server.header_timeout_s:
                self.in_request = False
                self._fail(408, "request not completed in time")
                return
        if self.active or self.queue:
            self.active, self.idle_ticks = False, 0
            return
        self.idle_ticks += 1
        if self.idle_ticks > self.server.idle_timeout_s:
            self.close_when_idle()

    def close_when_idle(self) -> None:
        self.closing = True
        if not self.queue and self.transport is not None:
            self.transport.close()

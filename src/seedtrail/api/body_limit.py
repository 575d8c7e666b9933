"""The cap on request bodies of the JSON API (issue 16: a 10 MB body was read and parsed whole,
and an update with unknown fields then answered 200). A body over ``api_max_bytes`` answers 413,
as a problem document, before the route sees it: at once when its Content-Length says so, else as
soon as the bytes read pass the limit. Postbacks and community batches stream under their own
limit (``intake_max_bytes``, docs/intake.md) and are left to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from seedtrail.api import problems
from seedtrail.core.errors import PayloadTooLarge
from seedtrail.messages import Msg

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _streams_its_own(path: str) -> bool:
    """The intake routes, which read their body under ``intake_max_bytes``."""
    return path == "/community/events" or (
        path.startswith("/partners/") and path.endswith("/events")
    )


class BodyLimit:
    """ASGI middleware: bodies of the JSON API are at most ``limit`` bytes."""

    def __init__(self, app: App, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WITH_BODY
            or _streams_its_own(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:  # bytes: ASCII digits only
            await self._refuse(scope, receive, send)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await self.app(scope, _replay(messages, receive), send)

    async def _refuse(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(Msg("problem.payload-too-large.body", {"limit": self.limit}))
        response = problems.for_error(Request(scope), error)
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """The messages already read, then the rest of the conversation (a disconnect)."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay

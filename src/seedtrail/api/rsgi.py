"""The app as granian's RSGI interface: ``/r/...`` is answered by the redirect's RSGI entry point
(no ASGI messages, no framework); every other request is handed to the ASGI app through a small
bridge, and the ASGI lifespan (the click log, the mover) runs in the worker's init and del hooks.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message

from seedtrail.api.app import SeedtrailApp, app_from_env
from seedtrail.links.redirect import PREFIX


def _client(addr: str) -> tuple[str, int] | None:
    host, _, port = addr.rpartition(":")
    return (host.strip("[]"), int(port)) if port.isdecimal() else None


class RsgiApp:
    def __init__(self, app: SeedtrailApp) -> None:
        self.app = app
        self.redirect = app.redirect.__rsgi__
        self._state: dict[str, object] = {}
        self._lifespan: asyncio.Queue[Message] | None = None
        self._events: asyncio.Queue[Message] | None = None
        self._task: asyncio.Task[None] | None = None

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan_step("startup"))

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan_step("shutdown"))

    async def _lifespan_step(self, step: str) -> None:
        if self._task is None:
            self._lifespan, self._events = asyncio.Queue(), asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self._state}
            events = self._events

            async def send(message: Message) -> None:
                await events.put(dict(message))

            self._task = asyncio.ensure_future(self.app.api(scope, self._lifespan.get, send))
        assert self._lifespan is not None and self._events is not None
        await self._lifespan.put({"type": f"lifespan.{step}"})
        reply = await self._events.get()
        if reply["type"].endswith(".failed"):
            raise RuntimeError(f"lifespan {step} failed: {reply.get('message', '')}")

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto == "http" and scope.path.startswith(PREFIX):
            await self.redirect(scope, proto)
            return
        if scope.proto != "http":  # websockets: not served
            return
        await self._asgi(scope, proto)

    async def _asgi(self, scope: Any, proto: Any) -> None:
        """One HTTP request through the ASGI app."""
        asgi_scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": scope.http_version,
            "method": scope.method,
            "scheme": scope.scheme,
            "path": scope.path,
            "raw_path": scope.path.encode(),
            "query_string": scope.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in scope.headers.items()
            ],
            "client": _client(scope.client),
            "server": _client(scope.server),
            "state": dict(self._state),
        }
        sent_body = False

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": await proto(), "more_body": False}
            await proto.client_disconnect()
            return {"type": "http.disconnect"}

        start: Message = {}
        stream: Any = None

        async def send(message: Message) -> None:
            nonlocal stream
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return
            body, more = message.get("body", b""), message.get("more_body", False)
            if stream is None and not more:
                proto.response_bytes(start["status"], _headers(start), body)
                return
            if stream is None:
                stream = proto.response_stream(start["status"], _headers(start))
            if body:
                await stream.send_bytes(body)

        await self.app.api(asgi_scope, receive, send)


def _headers(start: Message) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]


def rsgi_from_env() -> RsgiApp:
    """Factory for granian's RSGI interface: settings from the environment."""
    return RsgiApp(app_from_env())

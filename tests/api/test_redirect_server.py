"""The redirect's own listener (``redirect_port``), over real sockets, on every store backend:
a click is on disk before its 302, pipelined answers keep request order, and every bad or slow
request gets its error and a closed connection instead of a hung one."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import World, build_world
from seedtrail.api.app import create_app
from seedtrail.api.redirect_server import RedirectServer
from seedtrail.core.settings import load_settings
from seedtrail.links import segment
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

UA = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` on one connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


def statuses(raw: bytes) -> list[int]:
    """The status of each response in ``raw``, in order (bodies here never hold a status line)."""
    return [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]


def get(path: str, *extra: bytes, close: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/1.1".encode(), b"Host: go.example", b"User-Agent: " + UA, *extra]
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.fixture(params=["segment", "store"])
def served(
    request: pytest.FixtureRequest, store: Store, tmp_path: Path
) -> Iterator[tuple[World, int, TestClient]]:
    world = build_world(store)
    port = free_port()
    settings = load_settings(
        data_dir=tmp_path,
        redirect_port=port,
        click_log=request.param,
        click_move_interval_s=60,
        policy_refresh_s=0.0,
    )
    with TestClient(create_app(settings, store=store)) as tc:
        yield world, port, tc


def test_a_click_on_the_listener_is_on_disk_before_its_302(
    served: tuple[World, int, TestClient], store: Store, tmp_path: Path
) -> None:
    world, port, tc = served
    mount = world.mount(offer_id=world.ids["web_offer"])
    code = mount["code"]
    raw = exchange(port, get(f"/r/{code}", b"X-Seedtrail-Viewer: viewer-0001", close=True))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert statuses(raw) == [302] and body == b""
    location = next(v for v in head.split(b"\r\n") if v.lower().startswith(b"location:"))
    click_id = location.decode().rpartition("st_click=")[2]
    segments = (tmp_path / "clicks").glob("*.seg")
    in_segments = [
        c[0] for p in segments for _, g in segment.read_records(p.read_bytes()) for c in g
    ]
    with store.read() as conn:
        in_store = [r[0] for r in conn.execute(select(clicks.c.click_id))]
    # acknowledged means durable: in the fdatasync'd segment, or committed to the store
    assert click_id in in_segments or click_id in in_store
    if tc.app.api.state.settings.click_log == "segment":  # type: ignore[attr-defined]
        assert tc.app.api.state.click_mover.move_once().moved == 1  # type: ignore[attr-defined]
    with store.read() as conn:
        row = conn.execute(select(clicks).where(clicks.c.click_id == click_id)).mappings().one()
    assert row["viewer_key"] == "viewer-0001" and row["outcome"] == "redirect"
    assert row["ua_class"] == "desktop" and row["mount_id"] == mount["id"]


def test_pipelined_requests_are_answered_in_request_order(
    served: tuple[World, int, TestClient],
) -> None:
    world, port, _ = served
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    # a click (waits for the disk), an unknown code (loaded off the loop), health, a click again
    burst = get(f"/r/{code}") + get("/r/zzzzzzzz") + get("/healthz") + get(f"/r/{code}", close=True)
    raw = exchange(port, burst)
    assert statuses(raw) == [302, 404, 200, 302]
    assert raw.count(b"connection: close") == 1  # only on the last answer


def header_values(raw: bytes, name: bytes) -> list[bytes]:
    """Every value of header ``name`` (any case) across the responses in ``raw``."""
    prefix = name.lower() + b":"
    lines = raw.split(b"\r\n")
    return [ln[len(prefix) :].strip() for ln in lines if ln.lower().startswith(prefix)]


def test_header_names_are_read_in_any_case_and_each_answer_has_its_own_headers(
    served: tuple[World, int, TestClient], store: Store
) -> None:
    world, port, tc = served
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    target = f"GET /r/{code} HTTP/1.1\r\nHost: go.example\r\n".encode()
    spelled = [
        b"user-agent: " + UA + b"\r\nx-seedtrail-viewer: viewer-lower\r\n\r\n",
        b"USER-AGENT: " + UA + b"\r\nX-SEEDTRAIL-VIEWER: viewer-upper\r\n\r\n",
        b"User-Agent: " + UA + b"\r\nX-Seedtrail-Viewer: viewer-title\r\n\r\n",
        b"User-Agent: " + UA + b"\r\n\r\n",  # no viewer key: a new one, in a cookie
        b"User-Agent: " + UA + b"\r\nConnection: close\r\n\r\n",
    ]
    raw = exchange(port, b"".join(target + rest for rest in spelled))
    assert statuses(raw) == [302] * 5
    locations = header_values(raw, b"location")
    cookies = header_values(raw, b"set-cookie")
    assert len(set(locations)) == 5  # a fresh click id in every answer
    assert len(cookies) == 2 and cookies[0] != cookies[1]  # a fresh viewer for each of the two
    if tc.app.api.state.settings.click_log == "segment":  # type: ignore[attr-defined]
        assert tc.app.api.state.click_mover.move_once().moved == 5  # type: ignore[attr-defined]
    with store.read() as conn:
        rows = conn.execute(select(clicks.c.viewer_key, clicks.c.ua_class)).all()
    viewers = {v for v, _ in rows}
    assert {"viewer-lower", "viewer-upper", "viewer-title"} <= viewers and len(viewers) == 5
    assert {ua for _, ua in rows} == {"desktop"}


BAD = [
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (
        b"POST /r/abc HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        405,
    ),
    (b"GET /r/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    (b"GET /r/abc HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 17000 + b"\r\n\r\n", 431),
    (b"POST /r/a HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n" + b"x" * 70000, 413),
    (b"GET /elsewhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 404),
    (b"GET /r/abc HTTP/1.0\r\nHost: a\r\n\r\n", 404),  # HTTP/1.0: closed after the answer
]


def test_bad_requests_get_their_error_and_the_connection_ends(
    served: tuple[World, int, TestClient],
) -> None:
    _, port, _ = served
    for request_bytes, status in BAD:
        raw = exchange(port, request_bytes)  # returns only once the server closed the connection
        assert statuses(raw) == [status], request_bytes[:40]
        # every answer, errors included, carries the common headers and its body's length
        head, _, body = raw.partition(b"\r\n\r\n")
        assert header_values(head, b"x-content-type-options") == [b"nosniff"], status
        assert header_values(head, b"cache-control") == [b"no-store"], status
        assert header_values(head, b"content-length") == [str(len(body)).encode()], status


def test_head_is_answered_without_a_body_and_counted_as_a_bot(
    served: tuple[World, int, TestClient],
) -> None:
    world, port, _ = served
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    request = get(f"/r/{code}", close=True).replace(b"GET ", b"HEAD ", 1)
    raw = exchange(port, request)
    assert statuses(raw) == [302] and raw.endswith(b"\r\n\r\n")
    # a HEAD of a page answers the length of the body it leaves out
    page = exchange(port, get("/r/zzzzzzzz", close=True))
    head_only = exchange(port, get("/r/zzzzzzzz", close=True).replace(b"GET ", b"HEAD ", 1))
    body = page.partition(b"\r\n\r\n")[2]
    assert statuses(page) == statuses(head_only) == [404] and body
    assert head_only.endswith(b"\r\n\r\n") and head_only.count(b"\r\n\r\n") == 1
    assert header_values(head_only, b"content-length") == [str(len(body)).encode()]


def test_slow_and_idle_connections_are_closed(store: Store, tmp_path: Path) -> None:
    app = create_app(load_settings(data_dir=tmp_path, click_log="store"), store=store)

    async def run() -> tuple[bytes, bytes, float]:
        listener = RedirectServer(app.redirect, idle_timeout_s=1, header_timeout_s=1)
        await listener.start("127.0.0.1", 0)
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            slow_r, slow_w = await asyncio.open_connection("127.0.0.1", listener.port)
            slow_w.write(b"GET /r/abc HTTP/1.1\r\nHost: a\r\n")  # and never the blank line
            idle_r, idle_w = await asyncio.open_connection("127.0.0.1", listener.port)
            slow = await asyncio.wait_for(slow_r.read(), 10)
            idle = await asyncio.wait_for(idle_r.read(), 10)
            for writer in (slow_w, idle_w):
                writer.close()
                await writer.wait_closed()
            return slow, idle, loop.time() - started
        finally:
            await listener.stop()

    slow, idle, took = asyncio.run(run())
    assert statuses(slow) == [408] and idle == b""  # the idle one: closed without a word
    assert took < 6

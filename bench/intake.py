"""Sustained postback intake on loopback with a real server (granian, 1 worker, durability on).

Measures batches of 500 events (events/s) and single-event requests (req/s), and as the ceiling
the plain append speed of the same storage in the same run (the inbox's own group-committed
writes, no HTTP). Then the crash check: kill -9 the server mid-load, restart it, re-send what was
not acknowledged (as a shop would), seal, and count every acknowledged event in the lake.

    PYTHONPATH=src nice -n 10 /work/venv/bin/python bench/intake.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from seedtrail.core import principals
from seedtrail.core.principals import Principal
from seedtrail.core.settings import Settings, load_settings
from seedtrail.intake import sealer
from seedtrail.intake.events import check
from seedtrail.intake.inbox import Inbox
from seedtrail.intake.signature import HEADER, sign
from seedtrail.lake.layout import Lake
from seedtrail.links import partners
from seedtrail.store import migrate
from seedtrail.store.store import Store

SLUG = "bench-shop"
QUICK = "--quick" in sys.argv
BATCH = 500
N_BATCHES = 60 if QUICK else 240
N_SINGLE = 3000 if QUICK else 12000
CONNS = 32


def setup(data_dir: Path) -> tuple[Settings, bytes]:
    settings = load_settings(data_dir=data_dir)
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    with store.transaction() as conn:
        row = partners.RESOURCE.repo.insert(
            conn,
            {
                "slug": SLUG,
                "name": "bench",
                "kind": "web_shop",
                "allowed_hosts": ["shop.example"],
                "links_enabled": True,
            },
        )
        principals.create(conn, name="bench", role="operator")
        secret = partners.rotate_secret(conn, Principal(0, "bench", "operator"), row["id"])
    store.dispose()
    return settings, secret["secret"].encode()


def event(n: int) -> dict[str, Any]:
    return {
        "event_id": f"ev-{n}",
        "kind": "purchase" if n % 10 == 0 else "store_visit",
        "ts": 1_795_000_000 + n % 86_400,
        "click_id": f"c{n}",
        "value": 19.9 if n % 10 == 0 else None,
        "order_id": f"o{n}" if n % 10 == 0 else None,
        "sample_rate": 1.0,
    }


def request(port: int, secret: bytes, events: list[dict[str, Any]]) -> bytes:
    body = orjson.dumps({"events": events})
    head = (
        f"POST /partners/{SLUG}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"{HEADER}: {sign(secret, body, int(time.time()))}\r\n\r\n"
    )
    return head.encode() + body


async def load(
    port: int, reqs: list[bytes], conns: int, acked: list[int] | None = None
) -> tuple[list[int], float]:
    """Send every request (``conns`` keep-alive connections); return the indexes answered 200."""
    acked = [] if acked is None else acked
    nxt = iter(range(len(reqs)))

    async def worker() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        try:
            for i in nxt:
                writer.write(reqs[i])
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200"):
                    acked.append(i)
        except (OSError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return acked, time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SEEDTRAIL_DATA_DIR": str(data_dir), "PYTHONPATH": "src"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--loop", "uvloop",
         "--workers", "1", "--host", "127.0.0.1", "--port", str(port), "--no-log",
         "seedtrail.api.app:app_from_env"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.05)
    stop(proc, signal.SIGKILL)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the server's whole process group (granian's worker is a child process)."""
    os.killpg(proc.pid, sig)
    proc.wait()


def ceiling(data_dir: Path) -> tuple[float, float]:
    """The same inbox on the same disk, no HTTP: batches of 500 (one commit each), and single
    rows from 32 concurrent writers through the group commit."""
    settings, _ = setup(data_dir)
    store = Store.from_settings(settings)
    inbox = Inbox(store.engine)
    rows = check([event(n) for n in range(N_BATCHES * BATCH)], "back", SLUG, 0).rows
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        inbox.put_now(rows[i : i + BATCH])
    batched = len(rows) / (time.perf_counter() - t0)
    singles = check([event(10**8 + n) for n in range(N_SINGLE)], "back", SLUG, 0).rows

    async def run() -> float:
        it = iter(singles)

        async def w() -> None:
            for r in it:
                await inbox.put([r])

        t = time.perf_counter()
        await asyncio.gather(*(w() for _ in range(CONNS)))
        return len(singles) / (time.perf_counter() - t)

    single = asyncio.run(run())
    inbox.stop()
    store.dispose()
    return batched, single


def throughput(data_dir: Path) -> tuple[float, float]:
    _, secret = setup(data_dir)
    port = free_port()
    proc = start_server(data_dir, port)
    try:
        batches = [
            request(port, secret, [event(b * BATCH + j) for j in range(BATCH)])
            for b in range(N_BATCHES)
        ]
        acked, took = asyncio.run(load(port, batches, 8))
        assert len(acked) == len(batches), f"only {len(acked)} of {len(batches)} batches acked"
        events_s = len(batches) * BATCH / took
        singles = [request(port, secret, [event(10**8 + n)]) for n in range(N_SINGLE)]
        acked, took = asyncio.run(load(port, singles, CONNS))
        assert len(acked) == len(singles), f"only {len(acked)} of {len(singles)} singles acked"
        return events_s, len(singles) / took
    finally:
        stop(proc)


def crash_check(data_dir: Path) -> dict[str, int]:
    settings, secret = setup(data_dir)
    port = free_port()
    proc = start_server(data_dir, port)
    size = 100
    n_req = 400 if QUICK else 1500
    reqs = [request(port, secret, [event(b * size + j) for j in range(size)]) for b in range(n_req)]

    async def load_and_kill() -> list[int]:
        acked: list[int] = []
        task = asyncio.ensure_future(load(port, reqs, 16, acked))
        while len(acked) < n_req // 3:  # kill -9 a third of the way in
            await asyncio.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the server and its worker, no clean shutdown
        await task
        return acked

    acked = asyncio.run(load_and_kill())
    proc.wait()
    time.sleep(0.2)
    acked_events = {f"ev-{b * size + j}" for b in acked for j in range(size)}
    proc = start_server(data_dir, port)  # restart on the same inbox
    try:
        todo = [b for b in range(n_req) if b not in set(acked)]
        resend = [request(port, secret, [event(b * size + j) for j in range(size)]) for b in todo]
        reacked, _ = asyncio.run(load(port, resend, 8))
    finally:
        stop(proc)
    store = Store.from_settings(settings)
    sealer.seal(store, Lake(settings.effective_lake_url), settings.data_dir)
    lake = Lake(settings.effective_lake_url)
    ids: Counter[str] = Counter()
    for part in lake.partitions():
        ids.update(lake.read(part, ["event_id"]).column("event_id").to_pylist())  # type: ignore[union-attr]
    store.dispose()
    return {
        "sent": n_req * size,
        "acknowledged before kill": len(acked_events),
        "re-sent after restart": len(todo) * size,
        "acknowledged after restart": len(reacked) * size,
        "stored in lake": len(ids),
        "acknowledged missing from lake": len(acked_events - ids.keys()),
        "duplicates in lake": sum(n - 1 for n in ids.values()),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="seedtrail-bench-", dir=os.getcwd()) as tmp:
        root = Path(tmp)
        c_batched, c_single = ceiling(root / "ceiling")
        batched, single = throughput(root / "server")
        print(f"ceiling (inbox append, same disk, no HTTP): {c_batched:,.0f} events/s in batches "
              f"of {BATCH}; {c_single:,.0f} single-row commits/s via group commit")  # fmt: skip
        print(f"postback batches of {BATCH}: {batched:,.0f} events/s "
              f"({batched / c_batched:.0%} of ceiling; target 50,000)")  # fmt: skip
        print(f"single-event postbacks: {single:,.0f} req/s "
              f"({single / c_single:.0%} of ceiling; target 2,000)")  # fmt: skip
        crash = crash_check(root / "crash")
        print("crash check (kill -9 mid-load, restart, re-send unacknowledged, seal):")
        for k, v in crash.items():
            print(f"  {k}: {v:,}")
        ok = crash["acknowledged missing from lake"] == 0 and crash["duplicates in lake"] == 0
        print("  exactly once:", "yes" if ok and crash["stored in lake"] == crash["sent"] else "NO")


if __name__ == "__main__":
    main()

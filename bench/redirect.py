"""Redirect benchmark: nginx ``return 302`` (the ceiling) against seedtrail's click redirect with
the click log on, then a kill -9 crash check of the click log.

    PYTHONPATH=src .venv/bin/python bench/redirect.py [--duration 10] [--connections 64]
        [--threads 2] [--links 1000] [--skip-nginx] [--crash-seconds 5] [--data-root DIR]
        [--listener redirect|api] [--workers N] [--click-log segment|store]

Needs ``wrk`` and ``/usr/sbin/nginx`` (Debian packages ``wrk`` and ``nginx-light``): checked
before anything starts; ``--install`` installs the missing ones with apt-get (as root), otherwise
the run stops at once and prints the command. Everything runs on
loopback in temporary directories. Both servers get the same load: wrk with a Lua script rotating
over the link codes, a desktop browser user-agent and a distinct ``X-Seedtrail-Viewer`` per
request, so every seedtrail click is a real (not bot, not duplicate) click. nginx is also measured
with a static request (the cheapest load wrk can generate); the ratio uses the faster nginx figure.
A second baseline is the same kind of Python server answering a constant 302: uvloop + httptools
on the event loop, like seedtrail's own redirect listener (``serve --redirect-port``, measured by
default), or granian with the same interface and workers for ``--listener api`` (clicks to /r/ on
the API port). It is the ceiling of any redirect written in Python on this machine.

Exit status: 1 if a click is missing (wrk's 302s not all in the click log, or a 302 received
before the kill -9 without its click in the log after the restart); the speed targets
(ratio >= 0.35, p99 < 20 ms) are reported but do not fail the run, since the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
import disk_sync
import proc_cpu
from seedtrail.community import accounts, notes
from seedtrail.core import resources
from seedtrail.core.principals import Principal
from seedtrail.core.settings import Settings
from seedtrail.links import mounts, offers, partners, rules
from seedtrail.store import migrate
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

SRC = Path(__file__).resolve().parent.parent / "src"
NGINX = "/usr/sbin/nginx"
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
CLICK_PARAM = "st_click"
RATIO_TARGET, P99_TARGET_MS = 0.35, 20.0

# wrk Lua: rotate over the codes; one fresh viewer key per request (8-64 of [A-Za-z0-9_-]). Each
# code's request head is built once per thread (init); a request then costs wrk one format and
# two concatenations instead of wrk.format's header loop: wrk shares the server's two cores, and
# the cheaper script leaves it ~3 us of CPU per request more (measured against the bare server:
# 8.6 us of wrk CPU per request with wrk.format, 5.8 us with this).
LUA_ROTATE = """
local codes = {@CODES@}
local n = #codes
local i = 0
local threads = 0
local heads = {}
local tail = "\\r\\n\\r\\n"
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  local host = wrk.headers["Host"]
  for k = 1, n do
    heads[k] = "GET /r/" .. codes[k] .. " HTTP/1.1\\r\\nHost: " .. host ..
      "\\r\\nUser-Agent: @UA@\\r\\nX-Seedtrail-Viewer: " .. string.format("@RUN@%02d-", tid)
  end
end
function request()
  i = i + 1
  return heads[(i % n) + 1] .. string.format("%010d", i) .. tail
end
"""
# Defining only done() keeps wrk's request static (it pre-builds one request per thread).
LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %.1f %.1f\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class WrkResult:
    label: str
    requests: int
    seconds: float
    bad_status: int  # non-2xx/3xx
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def ok(self) -> int:
        return self.requests - self.bad_status


@dataclass(frozen=True)
class CrashResult:
    sent: int
    received: int
    other_status: dict[int, int]
    errors: int
    logged: int
    missing: list[str]
    logged_total: int  # crash-phase clicks in the log, received or not
    after_restart: int  # status of one click after the restart


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def run_wrk(label: str, url: str, script: Path, args: argparse.Namespace) -> WrkResult:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    cmd += ["--latency", "-s", str(script), url]
    print(f"  {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    reqs, dur_us, status, *sock, p50, p99 = line.split()[1:]
    return WrkResult(
        label,
        int(reqs),
        int(dur_us) / 1e6,
        int(status),
        sum(int(x) for x in sock),
        float(p50) / 1000,
        float(p99) / 1000,
    )


def write_scripts(tmp: Path, link_codes: list[str]) -> tuple[Path, Path]:
    rotate = tmp / "rotate.lua"
    lua = LUA_ROTATE.replace("@CODES@", ",".join(f'"{c}"' for c in link_codes))
    lua = lua.replace("@UA@", UA).replace("@RUN@", f"w{secrets.token_hex(3)}")
    rotate.write_text(lua + LUA_DONE)
    static = tmp / "static.lua"
    static.write_text(
        f'wrk.headers["User-Agent"] = "{UA}"\n'
        'wrk.headers["X-Seedtrail-Viewer"] = "static-viewer-01"\n' + LUA_DONE
    )
    return rotate, static


def bench_nginx(
    tmp: Path, rotate: Path, static: Path, code: str, args: argparse.Namespace
) -> list[WrkResult]:
    port = free_port()
    conf = tmp / "nginx.conf"
    temp = tmp / "nginx-temp"
    temp.mkdir()
    conf.write_text(f"""daemon off;
worker_processes {args.nginx_workers};
error_log stderr;
pid {tmp / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
  uwsgi_temp_path {temp}; scgi_temp_path {temp};
  server {{
    listen 127.0.0.1:{port};
    access_log off;
    location /r/ {{ return 302 https://shop.example.com/item/1; }}
  }}
}}
""")
    proc = subprocess.Popen([NGINX, "-e", "stderr", "-p", str(tmp), "-c", str(conf)])
    try:
        wait_http(f"http://127.0.0.1:{port}/r/{code}")
        base = f"http://127.0.0.1:{port}"
        return [
            run_wrk("nginx (rotating)", f"{base}/", rotate, args),
            run_wrk("nginx (static)", f"{base}/r/{code}", static, args),
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", b"https://shop.example.com/item/1?st_click=x"),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
"""


BARE_RSGI = """
async def app(scope, proto):
    proto.response_empty(302, [("location", "https://shop.example.com/item/1?st_click=x")])
"""

# The same kind of server as seedtrail's own redirect listener (uvloop + httptools, on the event
# loop), answering a constant 302: the ceiling of that listener on this machine.
BARE_LISTENER = """
import asyncio, sys, httptools, uvloop
RESP = (b"HTTP/1.1 302 Found\\r\\nlocation: https://shop.example.com/item/1?st_click=x\\r\\n"
        b"content-length: 0\\r\\n\\r\\n")
class Bare(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.parser = transport, httptools.HttpRequestParser(self)
    def data_received(self, data):
        self.parser.feed_data(data)
    def on_message_complete(self):
        self.transport.write(RESP)
async def main():
    server = await asyncio.get_running_loop().create_server(Bare, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
uvloop.run(main())
"""


def bench_bare_python(tmp: Path, rotate: Path, args: argparse.Namespace) -> WrkResult:
    """The Python ceiling: the same kind of server (seedtrail's own redirect listener, or granian
    with the same interface and workers for ``--listener api``) answering every request with a
    constant 302 and doing nothing else (no lookup, no log)."""
    port = free_port()
    if args.listener == "redirect":
        (tmp / "bare_listener.py").write_text(BARE_LISTENER)
        label = "uvloop+httptools bare 302"
        cmd = [sys.executable, str(tmp / "bare_listener.py"), str(port)]
    else:
        (tmp / "bare_app.py").write_text(BARE_RSGI if args.interface == "rsgi" else BARE_APP)
        label = "granian bare 302"
        granian = Path(sys.executable).with_name("granian")
        cmd = [str(granian), "--interface", args.interface, "--loop", "uvloop", "--no-ws"]
        cmd += ["--port", str(port), "--workers", str(args.workers), "bare_app:app"]
    env = dict(os.environ, PYTHONPATH=str(tmp))
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/r/x")
        return run_wrk(label, f"http://127.0.0.1:{port}/", rotate, args)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def make_links(store: Store, n: int) -> list[str]:
    """One brand, one shop, an open rule, one offer, and ``n`` notes each with a note-card link."""
    op = Principal(id=0, name="bench", role="operator")
    with store.transaction() as conn:

        def mk(res: resources.Resource, **values: object) -> resources.Row:
            return resources.create(conn, res, op, res.create_model.model_validate(values))

        brand = mk(
            accounts.RESOURCE,
            handle="benchbrand",
            display_name="Bench",
            kind="brand",
            verified=True,
            follower_count=1000,
        )
        shop = mk(
            partners.RESOURCE,
            slug="shop",
            name="Shop",
            kind="web_shop",
            allowed_hosts=["shop.example.com"],
            web_url_template="https://shop.example.com/item/{item_id}",
        )
        mk(rules.RESOURCE, name="open", effect="open")
        offer = mk(
            offers.RESOURCE,
            partner_id=shop["id"],
            owner_id=brand["id"],
            item_id="1",
            title="t",
            price=9.9,
            category="beauty",
        )
        out = []
        for i in range(n):
            note = mk(notes.NOTES, author_id=brand["id"], title=f"note {i}", category="beauty")
            req = mounts.MountIn(placement="note_card", offer_id=offer["id"], note_id=note["id"])
            result = mounts.create(conn, op, req)
            assert result["mount"] is not None, result["decision"]
            out.append(str(result["mount"]["code"]))
    return out


class Server:
    """``seedtrail serve`` (granian, 1 worker) in its own process group."""

    def __init__(self, data_dir: Path, db_url: str, log: Path, args: argparse.Namespace) -> None:
        self.data_dir, self.db_url, self.log = data_dir, db_url, log
        self.extra = ["--workers", str(args.workers), "--interface", args.interface]
        self.click_log = args.click_log
        self.listener = args.listener
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_")}
        env.update(
            PYTHONPATH=str(SRC),
            SEEDTRAIL_DATA_DIR=str(self.data_dir),
            SEEDTRAIL_DATABASE_URL=self.db_url,
            SEEDTRAIL_REDIRECT_RATE_PER_S="1e9",
            SEEDTRAIL_REDIRECT_RATE_BURST="1000000000",
            SEEDTRAIL_CLICK_LOG=self.click_log,
        )
        self.port = free_port()
        cmd = [sys.executable, "-m", "seedtrail", "serve", "--port", str(self.port), *self.extra]
        redirect_port = free_port() if self.listener == "redirect" else 0
        if redirect_port:
            cmd += ["--redirect-port", str(redirect_port)]
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(
                cmd, env=env, cwd=self.data_dir, stdout=fh, stderr=fh, start_new_session=True
            )
        base = f"http://127.0.0.1:{self.port}"
        wait_http(f"{base}/healthz")
        if redirect_port:  # the clicks go to the redirect's own listener
            base = f"http://127.0.0.1:{redirect_port}"
            wait_http(f"{base}/healthz")
        return base

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        wait_group_gone(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            wait_group_gone(self.proc.pid)


def wait_group_gone(pgid: int, timeout: float = 10.0) -> None:
    """Wait until no live (non-zombie) process is left in process group ``pgid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive = True
                break
        if not alive:
            return
        time.sleep(0.05)
    raise RuntimeError(f"process group {pgid} still alive {timeout:.0f} s after the kill")


def warm(base: str, link_codes: list[str]) -> float:
    """Click every link once, one at a time, so the server's link cache is full; returns the time
    taken (the cold-cache cost: each first lookup loads the link and its policy facts)."""
    t0 = time.monotonic()
    with httpx.Client(base_url=base, timeout=30.0) as client:
        for code in link_codes:
            resp = client.get(f"/r/{code}", headers={"user-agent": UA})
            if resp.status_code != 302:
                raise RuntimeError(f"warm-up: /r/{code} answered {resp.status_code}")
    return time.monotonic() - t0


def count_clicks(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(clicks)).scalar_one())


def settle_clicks(store: Store, expected: int, quiet_s: float = 3.0) -> int:
    """The click count once it reaches ``expected`` or stops growing for ``quiet_s`` (the
    mover copies the segments into the store asynchronously)."""
    last, since = -1, time.monotonic()
    while True:
        n = count_clicks(store)
        if n != last:
            last, since = n, time.monotonic()
        if n >= expected:
            time.sleep(0.5)  # the clicks in flight when wrk stopped
            return count_clicks(store)
        if time.monotonic() - since > quiet_s:
            return n
        time.sleep(0.2)


def max_click_row(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(clicks.c.id), 0))).scalar_one())


async def hammer(
    base: str, link_codes: list[str], server: Server, args: argparse.Namespace
) -> tuple[int, list[str], dict[int, int], int]:
    """``crash_concurrency`` clients click until the server is killed; returns sent, received
    click ids (from 302 Locations), other statuses and transport errors. Each client has its own
    connection: one shared httpx pool of 64 connections was slower here (pool contention)."""
    received: list[str] = []
    other: dict[int, int] = {}
    counts = {"sent": 0, "errors": 0}
    stop = asyncio.Event()
    run = secrets.token_hex(3)

    tls = ssl.create_default_context()  # unused on http://, but building one per client is slow
    clients = [
        httpx.AsyncClient(base_url=base, timeout=10.0, verify=tls)
        for _ in range(args.crash_concurrency)
    ]

    async def clicks_until_stopped(client: httpx.AsyncClient, w: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            code = link_codes[(w * 7919 + i) % len(link_codes)]
            headers = {"user-agent": UA, "x-seedtrail-viewer": f"c{run}-{w:03d}-{i:08d}"}
            counts["sent"] += 1
            try:
                resp = await client.get(f"/r/{code}", headers=headers)
            except httpx.HTTPError:
                counts["errors"] += 1
                continue
            if resp.status_code == 302:
                query = parse_qs(urlsplit(resp.headers["location"]).query)
                received.append(query[CLICK_PARAM][0])
            else:
                other[resp.status_code] = other.get(resp.status_code, 0) + 1

    tasks = [asyncio.create_task(clicks_until_stopped(c, w)) for w, c in enumerate(clients)]
    await asyncio.sleep(args.crash_seconds)
    # Blocks the loop until the whole group is dead; responses already in the client's socket
    # buffers are still read afterwards, rightly: the server sent them before it died.
    server.kill9()
    stop.set()
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    return counts["sent"], received, other, counts["errors"]


def crash_check(
    store: Store, server: Server, link_codes: list[str], args: argparse.Namespace
) -> CrashResult:
    base = server.start()
    expected = count_clicks(store) + len(link_codes)
    warm(base, link_codes)
    settle_clicks(store, expected)
    before = max_click_row(store)
    sent, received, other, errors = asyncio.run(hammer(base, link_codes, server, args))
    base = server.start()  # restart on the same data directory (SQLite recovers its WAL)
    probe = httpx.get(f"{base}/r/{link_codes[0]}", headers={"user-agent": UA})
    server.stop()  # a clean stop: the mover has copied every segment, the dead one's included
    with store.read() as conn:
        rows = conn.execute(select(clicks.c.click_id).where(clicks.c.id > before))
        in_log = {r[0] for r in rows}
    missing = [c for c in received if c not in in_log]
    return CrashResult(
        sent,
        len(received),
        other,
        errors,
        len(received) - len(missing),
        missing,
        len(in_log) - (1 if probe.status_code == 302 else 0),
        probe.status_code,
    )


def preflight(args: argparse.Namespace) -> bool:
    """Say what the run needs and whether it is here; install it with ``--install``."""
    needed = {"wrk": "wrk"} | ({} if args.skip_nginx else {NGINX: "nginx-light"})
    missing = [pkg for tool, pkg in needed.items() if not shutil.which(tool)]
    print(
        "needs: " + ", ".join(f"{tool} (Debian package {pkg})" for tool, pkg in needed.items()),
        file=sys.stderr,
    )
    if not missing:
        return True
    command = ["apt-get", "install", "-y", *missing]
    if not args.install:
        print(
            f"missing: {' '.join(missing)}; run `{' '.join(command)}` or pass --install",
            file=sys.stderr,
        )
        return False
    print(f"installing: {' '.join(command)}", file=sys.stderr, flush=True)
    return subprocess.run(command, check=False).returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--links", type=int, default=1000)
    ap.add_argument("--skip-nginx", action="store_true")
    ap.add_argument("--crash-seconds", type=float, default=5.0, help="load before the kill -9")
    ap.add_argument("--crash-concurrency", type=int, default=64)
    ap.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="where the temporary data directory goes (default: the system temp dir); "
        "/dev/shm (tmpfs, fsync is free) shows the CPU-bound figure without the disk",
    )
    ap.add_argument("--workers", type=int, default=1, help="seedtrail serve --workers")
    ap.add_argument("--nginx-workers", type=int, default=1, help="nginx worker_processes")
    ap.add_argument(
        "--listener",
        default="redirect",
        choices=["redirect", "api"],
        help="redirect: clicks go to serve --redirect-port (the redirect's own listener); "
        "api: to /r/ on the API port (granian)",
    )
    ap.add_argument(
        "--interface", default="rsgi", choices=["rsgi", "asgi"], help="the API port's interface"
    )
    ap.add_argument(
        "--click-log",
        default="segment",
        choices=["segment", "store"],
        help="segment: per-process click segment + mover; store: group commit to the database",
    )
    ap.add_argument(
        "--install", action="store_true", help="apt-get install wrk / nginx-light if missing"
    )
    args = ap.parse_args()
    if not preflight(args):
        return 2

    with tempfile.TemporaryDirectory(prefix="seedtrail-bench-", dir=args.data_root) as tmp_s:
        tmp = Path(tmp_s)
        data = tmp / "data"
        data.mkdir()
        db_url = Settings(data_dir=data, database_url=None).effective_database_url
        store = Store.from_settings(Settings(data_dir=data, database_url=db_url))
        migrate.upgrade(store.engine)
        print(f"creating {args.links} links ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        link_codes = make_links(store, args.links)
        print(f"  done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
        rotate, static = write_scripts(tmp, link_codes)
        sync_cost = disk_sync.append_sync(data)

        results: list[WrkResult] = []
        if not args.skip_nginx:
            print("nginx return 302 ...", file=sys.stderr, flush=True)
            results += bench_nginx(tmp, rotate, static, link_codes[0], args)
        print("a bare Python 302 server (the Python ceiling) ...", file=sys.stderr, flush=True)
        bare = bench_bare_python(tmp, rotate, args)

        print(
            f"seedtrail serve ({args.listener} listener, {args.workers} worker(s), "
            f"click log: {args.click_log}) ...",
            file=sys.stderr,
            flush=True,
        )
        server = Server(data, db_url, tmp / "server.log", args)
        base = server.start()
        try:
            clicks_before = count_clicks(store) + len(link_codes)
            warm_s = warm(base, link_codes)
            settle_clicks(store, clicks_before)
            print(f"  warm-up (every link clicked once): {warm_s:.1f} s", file=sys.stderr)
            clicks_before = count_clicks(store)
            assert server.proc is not None
            cpu0, idle0 = proc_cpu.snapshot(server.proc.pid), proc_cpu.idle_ticks()
            t0 = time.monotonic()
            st = run_wrk("seedtrail", f"{base}/", rotate, args)
            t_done = time.monotonic()
            usage = proc_cpu.Usage.between(
                cpu0, proc_cpu.snapshot(server.proc.pid), proc_cpu.idle_ticks() - idle0, t_done - t0
            )
            logged = settle_clicks(store, clicks_before + st.ok) - clicks_before
            print(
                f"  clicks in the store {time.monotonic() - t_done:.1f} s after wrk stopped "
                "(the mover copying the click segments)",
                file=sys.stderr,
            )
        finally:
            server.stop()
        results += [bare, st]

        print(
            f"crash check: {args.crash_concurrency} clients, "
            f"kill -9 after {args.crash_seconds} s ...",
            file=sys.stderr,
            flush=True,
        )
        crash = crash_check(store, server, link_codes, args)
        store.dispose()
    return report(results, bare, st, logged, warm_s, crash, args, usage, sync_cost)


def report(
    results: list[WrkResult],
    bare: WrkResult,
    st: WrkResult,
    logged: int,
    warm_s: float,
    crash: CrashResult,
    args: argparse.Namespace,
    usage: proc_cpu.Usage,
    sync_cost: disk_sync.SyncCost,
) -> int:
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{args.links} links, loopback, data in {args.data_root or tempfile.gettempdir()}, "
        f"seedtrail {args.listener} listener"
        f"{'' if args.listener == 'redirect' else ' (' + args.interface + ')'} "
        f"x{args.workers} worker(s), click log {args.click_log}, "
        f"nginx x{args.nginx_workers}, "
        f"load average {os.getloadavg()[0]:.1f}\n"
        f"this disk: fdatasync after a 3 kB append {sync_cost.line()} (the click segment's sync; "
        "bench/disk_sync.py)\n"
        f"seedtrail measured after a warm-up that clicked every link once "
        f"({warm_s:.1f} s with a cold link cache)"
    )
    head = (
        f"{'server':<26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>11}"
        f"{'non-2xx/3xx':>13}{'sock err':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.label:<26}{r.rps:>10,.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.requests:>11,}"
            f"{r.bad_status:>13,}{r.socket_errors:>10,}"
        )
    nginx = [r for r in results if r.label.startswith("nginx")]
    if nginx:
        ceiling = max(nginx, key=lambda r: r.rps)
        ratio = st.rps / ceiling.rps
        verdict = "ok" if ratio >= RATIO_TARGET else "BELOW TARGET"
        print(
            f"ratio seedtrail / {ceiling.label}: {ratio:.2f} (target >= {RATIO_TARGET}) {verdict}"
        )
    print(
        f"ratio seedtrail / {bare.label}: {st.rps / bare.rps:.2f} "
        "(what the lookup, policy state and durable click log cost on the same server)"
    )
    verdict = "ok" if st.p99_ms < P99_TARGET_MS else "ABOVE TARGET"
    print(f"seedtrail p99: {st.p99_ms:.2f} ms (target < {P99_TARGET_MS:.0f} ms) {verdict}")
    print(f"seedtrail {usage.line(st.requests)} (wrk and the kernel's share are the rest)")

    extra = logged - st.ok
    clicks_ok = 0 <= extra <= args.connections
    print(
        f"click log: {logged:,} clicks logged for {st.ok:,} 302s from wrk "
        f"(+{extra} in flight at the end, allowed 0..{args.connections}) "
        f"{'ok' if clicks_ok else 'MISMATCH'}"
    )

    c = crash
    others = ", ".join(f"{k}: {v}" for k, v in sorted(c.other_status.items())) or "none"
    print(
        f"\ncrash check (kill -9 of the server's process group under {args.crash_concurrency} "
        f"concurrent clients after {args.crash_seconds} s, then restart)"
    )
    print(
        f"  sent {c.sent:,}  received 302 {c.received:,}  logged {c.logged:,}  missing "
        f"{len(c.missing)}  (transport errors at the kill {c.errors}, other statuses {others})"
    )
    print(
        f"  clicks in the log from that phase: {c.logged_total:,} "
        f"({c.logged_total - c.logged} committed but their 302 never reached the client)"
    )
    print(f"  after restart: a click answered {c.after_restart}")
    if c.missing:
        print(f"  MISSING click ids: {', '.join(c.missing[:50])}")
    crash_ok = not c.missing and c.after_restart == 302 and c.received > 0
    print("\nresult:", "ok" if clicks_ok and crash_ok else "FAILED (a click is missing)")
    return 0 if clicks_ok and crash_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Two ``seedtrail serve`` processes sharing one PostgreSQL database, each with its own data
directory and click segment (one answering its clicks on its redirect listener): a kill switch
thrown through one reaches the other within a second, and every click either process
acknowledged ends up in the shared ``clicks`` table."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select, text

from conftest import PG_SKIP, PG_URL
from factories import auth, build_world
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_SKIP)]


@pytest.fixture
def pg_schema() -> Iterator[tuple[Store, str]]:
    """A migrated schema of its own, and a database URL that selects it."""
    assert PG_URL
    schema = f"st_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    store = Store(make_engine(url))
    migrate.upgrade(store.engine)
    try:
        yield store, url
    finally:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(
    data_dir: Path, url: str, *, listener: bool = False
) -> tuple[subprocess.Popen[bytes], str, str]:
    """A server; the base URL of its API, and the one its clicks go to (its redirect listener
    when ``listener``)."""
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_")}
    env.update(PYTHONPATH=str(SRC), SEEDTRAIL_DATA_DIR=str(data_dir), SEEDTRAIL_DATABASE_URL=url)
    port, redirect_port = free_port(), free_port()
    extra = ["--redirect-port", str(redirect_port)] if listener else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedtrail", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    clicks_base = f"http://127.0.0.1:{redirect_port}" if listener else base
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if all(
                httpx.get(f"{b}/healthz", timeout=1).status_code == 200 for b in {base, clicks_base}
            ):
                return proc, base, clicks_base
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("seedtrail serve did not start")


def click(base: str, code: str, n: int) -> httpx.Response:
    return httpx.get(f"{base}/r/{code}", headers={"x-seedtrail-viewer": f"viewer-{n:06d}"})


def test_two_servers_share_policy_and_clicks(pg_schema: tuple[Store, str], tmp_path: Path) -> None:
    store, url = pg_schema
    world = build_world(store)
    code = world.mount()["code"]
    procs = []
    try:
        a, base_a, _ = serve(tmp_path / "a", url)
        procs.append(a)
        b, _, base_b = serve(tmp_path / "b", url, listener=True)  # b's clicks: its own listener
        procs.append(b)
        got = [click(base, code, i) for i, base in enumerate([base_a, base_b] * 5)]
        assert [r.status_code for r in got] == [302] * 10
        acked = [r.headers["location"].rpartition("st_click=")[2] for r in got]
        r = httpx.post(
            f"{base_a}/partners/{world.ids['partner']}/kill-switch",
            json={"links_enabled": False, "reason": "outage"},
            headers=auth(world.keys["operator"]),
        )
        assert r.status_code == 200
        thrown = time.monotonic()
        assert click(base_a, code, 100).status_code == 410  # the process that threw it: at once
        while click(base_b, code, 101).status_code != 410:
            assert time.monotonic() - thrown < 1.0, "the other process still redirects after 1 s"
            time.sleep(0.02)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    with store.read() as conn:
        logged = {row[0] for row in conn.execute(select(clicks.c.click_id))}
    assert set(acked) <= logged  # both segments were moved on shutdown
    for name in ("a", "b"):
        assert not list((tmp_path / name / "clicks").glob("*.seg"))

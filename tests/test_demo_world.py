"""The demo's world, run end to end on a tiny simulated community: every stage leaves what the
dashboard reads, and the demo's keys sign in as accounts that have data."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import func, select

from factories import auth
from seedtrail import demo
from seedtrail.api.app import create_app
from seedtrail.attribution import runs
from seedtrail.attribution import world as attribution_world
from seedtrail.cleanroom.rows import load_rows
from seedtrail.settings import load_settings
from seedtrail.store.schema import accounts, cases, clicks
from seedtrail.store.store import Store


def test_demo_world_runs_every_stage_and_signs_in_as_its_accounts(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/s.db")
    out = io.StringIO()
    report = demo.run(settings, Console(file=out, width=120), world_scale="tiny")
    world = report.world
    assert world is not None
    assert world.events > 10_000
    assert world.clicks > 0  # the world's link taps are in the redirect's click log
    stored = {slug: v["stored"] for slug, v in world.backhaul.items()}
    assert set(stored) == {"tmall", "jd", "miniapp"} and min(stored.values()) > 0
    assert sum(v["duplicates"] for v in world.backhaul.values()) > 0  # the sim delivers repeats
    assert world.sealed == sum(stored.values())
    published = runs.latest(settings.data_dir)
    assert published is not None and published.meta["run_id"] == world.report_run
    # the report read the conversions the shops delivered through intake into the lake, and
    # the lake holds exactly what the shops sent (repeats once)
    assert published.meta["conversions_from"] == f"lake {(tmp_path / 'lake').resolve()}"
    con = duckdb.connect()
    wd = attribution_world.WorldDir(world.world_dir)
    attribution_world.register(con, wd, lake=tmp_path)
    from_lake = con.execute("SELECT * FROM w_conv ORDER BY partner, event_id").fetchall()
    attribution_world.register(con, wd)
    from_files = con.execute("SELECT * FROM w_conv ORDER BY partner, event_id").fetchall()
    assert len(from_lake) > 100 and from_lake == from_files
    rows = load_rows(settings.data_dir)
    assert rows.num_rows == world.cleanroom_rows > 0
    assert world.cases["cases opened"] > 0 and world.cases["campaigns found"] >= 1
    assert set(report.keys) == {"operator", "brand", "creator", "moderator", "partner"}
    store = Store.from_settings(settings)
    with store.read() as conn:
        logged = conn.execute(select(func.count()).select_from(clicks)).scalar()
        assert logged == world.clicks + len(report.outcomes)  # + the redirect tour's taps
        kinds = dict(conn.execute(select(accounts.c.id, accounts.c.kind)).all())
        assert kinds[world.brand_id] == "brand" and kinds[world.creator_id] == "creator"
        assert (
            conn.execute(select(func.count()).select_from(cases)).scalar()
            == world.cases["cases opened"] + world.cases["member cases"]
        )
    with TestClient(create_app(settings, store=store)) as client:
        me = client.get("/me", headers=auth(report.keys["brand"])).json()
        assert me["account_id"] == world.brand_id
        queue = client.get("/cases", headers=auth(report.keys["moderator"]))
        assert queue.status_code == 200 and len(queue.json()) > 0
    store.dispose()
    assert "the demo world (tiny, seed 7)" in out.getvalue()

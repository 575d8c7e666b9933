"""The demo's world, run end to end on a tiny simulated community: every stage leaves what the
dashboard reads, and the demo's keys sign in as accounts that have data."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import func, select

from factories import auth
from seedtrail.api.app import create_app
from seedtrail.attribution import commission, runs
from seedtrail.attribution import world as attribution_world
from seedtrail.attribution.deployment import from_settings
from seedtrail.cleanroom.rows import load_rows
from seedtrail.core.settings import load_settings
from seedtrail.demo import tour as demo
from seedtrail.demo import world as demo_world
from seedtrail.store import audit, migrate
from seedtrail.store.schema import accounts, cases, clicks, link_mounts
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
    assert set(stored) == {"tmall", "jd", "miniapp", "ownshop"} and min(stored.values()) > 0
    assert sum(v["duplicates"] for v in world.backhaul.values()) > 0  # the sim delivers repeats
    community = world.detail["community events"]
    assert community["rejected"] == 0 and community["stored"] > 10_000
    # the lake holds the shops' events, the community's and the redirect's clicks
    assert world.sealed == sum(stored.values()) + community["stored"] + world.clicks
    published = runs.latest(settings.data_dir)
    assert published is not None and published.meta["run_id"] == world.report_run
    # the report read only what a deployment has: the store, the lake, the clean room's matches
    inputs = published.meta["inputs"]
    assert inputs["source"] == "deployment" and inputs["identity"] == "clean room"
    assert published.meta["world"] is None and published.meta["scores"] == []
    matches = inputs["matches"]
    assert set(matches) == {"tmall", "jd", "miniapp", "ownshop"}
    own_match = matches.pop("ownshop")  # the own shop records its buyers' community keys
    assert world.detail["native"] == ["ownshop"] and "ownshop" not in world.detail["matching"]
    assert own_match["identity"] == "native" and own_match["match_rate"] == 1.0
    assert own_match["purchases"] > 0
    assert all(0 < m["match_rate"] < 1 for m in matches.values())  # not every customer matches
    assert 0 < inputs["unmatched_share"] < 1
    # taps through a boost carry their campaign: campaign rows credit counted clicks
    camp = published.query(
        "SELECT SUM(clicks) AS n FROM {funnel} "
        "WHERE dimension = 'campaign' AND model = 'last_touch'"
    )
    assert camp and (camp[0]["n"] or 0) > 0
    # the lake holds exactly what the shops sent (repeats once)
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
        _the_opening_is_measured(client, report.keys["operator"], world.detail["opened"])
    store.dispose()
    assert "the demo world (tiny, seed 7)" in out.getvalue()
    _three_parties(world, settings, report.keys)


def _three_parties(world: demo_world.WorldSummary, settings: Any, keys: dict[str, str]) -> None:
    """The demo's placement, funder, item and own-shop figures are the deployment's own: the
    API gives the same, and every link in the store went through the policy (an allowed
    ``mount.decision`` audit entry per mount)."""
    fig = world.detail["three_party"]
    places = fig["placements"]
    assert places["note_card"]["links"] > 0 and places["note_card"]["clicks"] > 0
    search = places["search_card"]  # brands' cards in search results: seen and tapped
    assert search["links"] > 0 and search["views"] > search["clicks"] > 0
    assert {"brand", "platform"} <= set(fig["funders"]) and any(
        k.startswith("marketplace:") for k in fig["funders"]
    )
    assert fig["items"]["with_gmv"] > 0 and fig["items"]["with_roas"] > 0
    own = fig["own_shop"]
    assert own["partners"] == ["ownshop"] and own["ownshop"]["clicks"] > 0
    assert own["buyers"] and sum(b["clicks"] for b in own["buyers"]) > 0
    store = Store.from_settings(settings)
    with store.read() as conn:
        mounts = conn.execute(select(func.count()).select_from(link_mounts)).scalar()
        allowed = [
            e for e in audit.entries(conn, action_prefix="mount.decision", limit=100_000)
            if e["detail"]["decision"]["allowed"]
        ]  # fmt: skip
        assert mounts == len(allowed)
        buyers = {b["handle"]: b["id"] for b in commission.buyers(conn)}
    with TestClient(create_app(settings, store=store)) as client:
        op = auth(keys["operator"])
        shop = client.get("/shop/ownshop/attribution", headers=op).json()  # its buyers known
        assert shop["identity"] == {"source": "native", "match_rate": 1.0}
        logged = client.get("/clicks", params={"counted_only": True, "limit": 1000}, headers=op)
        taps = [c for c in logged.json() if c["placement"] == "search_card"]
        assert len(taps) == search["clicks"] and all(c["note_id"] is None for c in taps)
        for b in own["buyers"]:
            since, until = _period(store, buyers[b["buyer"]])
            got = client.get(f"/buyers/{buyers[b['buyer']]}/commission", headers=op,
                             params={"since": since, "until": until}).json()  # fmt: skip
            assert got["total"]["commission_due"] == b["commission_due"]
            assert got["counted_clicks"] == b["clicks"]
    store.dispose()


def _period(store: Store, buyer: int) -> tuple[str, str]:
    with store.read() as conn:
        since, until = commission.default_period(conn, buyer)
    return since.isoformat(), until.isoformat()


def _the_opening_is_measured(client: TestClient, key: str, opened: dict[str, Any]) -> None:
    """The world's policy history (one category's links opened half-way) is a rule starting
    that day in the audit log, and the policy impact routes measure it on the demo's data."""
    past = client.get("/policy/changes", headers=auth(key)).json()["past"]
    (ours,) = [p for p in past if p["measurable"]]  # the world's other rules date from today
    assert ours["change"]["treated"] == [opened["category"]]
    assert ours["change"]["at"] == opened["from"] and opened["taps_closed"] > 0
    doc = client.get(f"/policy/changes/{ours['entry_id']}/impact", headers=auth(key)).json()
    clicks = next(r for r in doc["rows"] if r["outcome"] == "clicks" and r["unit"] == "*")
    assert clicks["before_treated"] == 0 < clicks["after_treated"]  # no link before it opened
    assert 0 < clicks["low"] <= clicks["effect"] <= clicks["high"]


def test_the_demo_reads_no_truth_and_scores_against_it_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing the world's truth right after it is simulated changes no figure of the demo's
    report; `report score` is where the truth is read."""
    from seedtrail.attribution.report import ReportSpec, score
    from seedtrail.demo import world as demo_world

    def funnel(data_dir: Path) -> list[dict[str, object]]:
        published = runs.latest(data_dir)
        assert published is not None
        rows = published.query("SELECT * FROM {funnel}")
        # parallel sums may differ in the last bits: compare to 9 significant digits
        rounded = [
            {k: float(f"{v:.9g}") if isinstance(v, float) else v for k, v in r.items()}
            for r in rows
        ]
        return sorted(rounded, key=lambda r: (str(r["model"]), str(r["dimension"]), str(r["key"])))

    figures = []
    simulate = demo_world._simulate
    for name, drop_truth in (("with", False), ("without", True)):
        data = tmp_path / name
        settings = load_settings(data_dir=data, database_url=f"sqlite:///{data}/s.db")

        def simulate_then(out: demo_world.WorldSummary, drop: bool = drop_truth) -> None:
            simulate(out)
            if drop:
                shutil.rmtree(out.world_dir / "truth")

        monkeypatch.setattr(demo_world, "_simulate", simulate_then)
        store = Store.from_settings(settings)
        migrate.upgrade(store.engine)
        demo_world.build(settings, store, lambda _: None, scale="tiny")
        figures.append(funnel(data))
        if not drop_truth:
            spec = ReportSpec(models=("last_touch",), primary="last_touch")
            scores, lifts, _ = score(from_settings(settings, store), data / "world", spec)
            assert scores[0]["true_caused_purchases"] > 0 and lifts.num_rows > 0
        store.dispose()
    assert figures[0] == figures[1] and len(figures[0]) > 100

"""The funnel per dimension: front counts from the community's events, costs and ROAS."""

from __future__ import annotations

import duckdb
import pytest

import reportworld
from seedtrail.attribution import funnel, rollup


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    built, _ = reportworld.built_report(tmp_path_factory)
    table = built.tables["funnel"]
    return [r for r in table.to_pylist() if r["model"] == "position_based"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    w = reportworld.world_dir(tmp_path_factory)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW front AS SELECT * FROM '{w}/events/front.parquet'")
    con.execute(f"CREATE VIEW spend AS SELECT * FROM '{w}/entities/campaign_spend.parquet'")
    return con


def _dim(rows: list[dict[str, object]], dimension: str) -> dict[str, dict[str, object]]:
    return {str(r["key"]): r for r in rows if r["dimension"] == dimension}


def test_front_counts_match_the_events(
    rows: list[dict[str, object]], raw: duckdb.DuckDBPyConnection
) -> None:
    by_kind = dict(raw.execute("SELECT kind, COUNT(*) FROM front GROUP BY kind").fetchall())
    for dim in rollup.DIMENSIONS:
        got = _dim(rows, dim).values()
        assert sum(r["impressions"] for r in got) == by_kind["impression"], dim
        assert sum(r["clicks"] for r in got) == by_kind["click"], dim
        for r in got:
            parts = sum(r[n] for n in ("likes", "collects", "comments", "shares", "follows"))
            assert r["engagements"] == parts
    boosted = dict(
        raw.execute(
            "SELECT CAST(campaign_id AS VARCHAR), COUNT(*) FROM front "
            "WHERE kind = 'read' AND campaign_id IS NOT NULL GROUP BY ALL"
        ).fetchall()
    )
    campaigns = _dim(rows, "campaign")
    assert boosted, "the world has boosted reads"
    for key, n in boosted.items():
        assert campaigns[key]["reads"] == n
    # only clicks have a placement or a shop
    assert _dim(rows, "placement")[rollup.NONE]["clicks"] == 0
    assert _dim(rows, "partner")[rollup.NONE]["clicks"] == 0


def test_spend_costs_and_roas(
    rows: list[dict[str, object]], raw: duckdb.DuckDBPyConnection
) -> None:
    spend = dict(
        raw.execute(
            "SELECT CAST(campaign_id AS VARCHAR), SUM(spend) FROM spend GROUP BY ALL"
        ).fetchall()
    )
    campaigns = _dim(rows, "campaign")
    for key, amount in spend.items():
        r = campaigns[key]
        assert r["spend"] == pytest.approx(amount)
        assert r["roas"] == pytest.approx(r["gmv_scaled"] / amount)
        if r["clicks"]:
            assert r["cost_per_click"] == pytest.approx(amount / r["clicks"])
        if r["reads"]:
            assert r["cost_per_read"] == pytest.approx(amount / r["reads"])
    total = sum(spend.values())
    for dim in ("note", "brand"):
        got = sum(float(r["spend"] or 0.0) for r in _dim(rows, dim).values())
        assert got == pytest.approx(total), dim
    for dim in ("partner", "placement"):
        assert all(r["spend"] is None for r in _dim(rows, dim).values())
    # a note nothing was spent on has spend 0 (as in its campaign's notes), and no cost or ROAS
    unspent = [r for r in _dim(rows, "note").values() if not r["spend"]]
    assert unspent and all(r["spend"] == 0.0 and r["roas"] is None for r in unspent)
    assert all(r["cost_per_read"] is None for r in unspent)
    assert set(funnel.COSTS) <= set(rows[0])


def test_a_campaigns_days_add_up_to_its_total(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[dict[str, object]],
    raw: duckdb.DuckDBPyConnection,
) -> None:
    built, _ = reportworld.built_report(tmp_path_factory)
    daily = [r for r in built.tables["daily"].to_pylist() if r["model"] == "position_based"]
    campaigns = _dim(rows, "campaign")
    keys = {str(r["key"]) for r in daily}
    assert keys == set(campaigns)  # the same keys, `none` (unboosted traffic) included
    boosted = [k for k in keys if k != "none"]
    assert boosted
    credited_days = 0
    for key in keys:
        days = [r for r in daily if r["key"] == key]
        assert len({r["day"] for r in days}) == len(days)  # one row a day
        total = campaigns[key]
        for col in ("impressions", "reads", "engagements", "clicks", "purchases",
                    "purchases_scaled", "gmv", "gmv_scaled"):  # fmt: skip
            got = sum(float(r[col]) for r in days)  # type: ignore[arg-type]
            assert got == pytest.approx(float(total[col]), rel=1e-9, abs=1e-9), (key, col)  # type: ignore[arg-type]
        spend = sum(float(r["spend"] or 0) for r in days)  # type: ignore[arg-type]
        assert spend == pytest.approx(float(total["spend"] or 0), abs=1e-6), key  # type: ignore[arg-type]
        credited_days += sum(1 for r in days if float(r["purchases"]) > 0)  # type: ignore[arg-type]
        for r in days:
            if r["spend"]:
                assert r["roas"] == pytest.approx(float(r["gmv_scaled"]) / float(r["spend"]))  # type: ignore[arg-type]
    assert credited_days > 1  # purchases really spread over days
    # spend per day is the world's own spend per campaign and day
    world_spend = dict(
        ((str(c), d), s)
        for c, d, s in raw.execute(
            "SELECT campaign_id, day, SUM(spend) FROM spend GROUP BY ALL"
        ).fetchall()
    )
    ours = {(str(r["key"]), r["day"]): r["spend"] for r in daily if r["spend"] is not None}
    assert ours == pytest.approx(world_spend)

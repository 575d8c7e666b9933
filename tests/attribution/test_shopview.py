"""The shop table: each partner's own conversions by item, note, creator, campaign and day, and
the item dimension of the funnel. Every shop dimension partitions the partner's credit, so its
keys add up to the partner's row of the funnel."""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest

import reportworld
from seedtrail.attribution import shopview


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    built, _ = reportworld.built_report(tmp_path_factory)
    out = {n: built.tables[n].to_pylist() for n in ("funnel", "shop")}
    ent = reportworld.world_dir(tmp_path_factory) / "entities"
    con = duckdb.connect()  # the world's own files, read apart from the report's SQL
    mounts = con.execute(
        "SELECT DISTINCT m.note_id, o.partner || ':' || o.item_id FROM read_parquet(?) m "
        "JOIN read_parquet(?) o USING (offer_id) "
        "WHERE m.note_id IS NOT NULL AND o.item_id IS NOT NULL",
        [str(ent / "link_mounts.parquet"), str(ent / "offers.parquet")],
    ).fetchall()
    out["note_items"] = [{"note_id": n, "item": i} for n, i in mounts]
    spend = con.execute(
        "SELECT note_id, SUM(spend) FROM read_parquet(?) GROUP BY note_id",
        [str(ent / "campaign_spend.parquet")],
    ).fetchall()
    out["spend"] = [{"note_id": n, "spend": s} for n, s in spend]
    return out


def _partner_rows(funnel: list[dict], model: str) -> dict[str, dict]:
    return {
        r["key"]: r
        for r in funnel
        if r["model"] == model and r["dimension"] == "partner" and r["key"] != "none"
    }


def test_each_shop_dimension_adds_up_to_the_partners_funnel_row(tables: dict) -> None:
    model = "position_based"
    partners = _partner_rows(tables["funnel"], model)
    assert partners, "the world has partners with credited conversions"
    sums: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in tables["shop"]:
        if r["model"] != model:
            continue
        for name in ("purchases", "purchases_scaled", "gmv_scaled"):
            sums[(r["partner"], r["dimension"])][name] += r[name]
    checked = 0
    for slug, row in partners.items():
        if row["purchases"] == 0:
            continue
        for dim in shopview.DIMENSIONS:
            got = sums[(slug, dim)]
            for name in ("purchases", "purchases_scaled", "gmv_scaled"):
                assert got[name] == pytest.approx(row[name], rel=1e-9, abs=1e-6), (slug, dim)
            checked += 1
    assert checked >= len(shopview.DIMENSIONS)


def test_items_are_keyed_by_partner_and_carry_only_that_partners_conversions(
    tables: dict,
) -> None:
    shop = [r for r in tables["shop"] if r["dimension"] == "item" and r["key"] != "none"]
    assert shop
    for r in shop:
        assert r["key"].startswith(r["partner"] + ":"), r
    funnel_items = {
        r["key"]: r
        for r in tables["funnel"]
        if r["dimension"] == "item" and r["model"] == "last_touch" and r["key"] != "none"
    }
    for r in shop:
        if r["model"] == "last_touch":  # an item belongs to one partner: same credit both ways
            assert r["purchases"] == pytest.approx(funnel_items[r["key"]]["purchases"])


def test_reach_counts_the_people_behind_clicks_and_credit(tables: dict) -> None:
    rows = tables["shop"]
    assert any(r["clicks"] > 0 for r in rows)
    for r in rows:
        if r["purchases"] > 0 or r["clicks"] > 0:
            assert r["people"] >= 1, r


def test_item_spend_splits_each_notes_spend_among_its_items_and_roas_follows(
    tables: dict,
) -> None:
    """An item's spend is each boosted note's spend divided among the items linked on it
    (computed here in Python from the world's files); ROAS is the item's GMV over it, the same
    on the brand's funnel and the shop's rows."""
    items_of: dict[int, set[str]] = defaultdict(set)
    for r in tables["note_items"]:
        items_of[r["note_id"]].add(r["item"])
    expected: dict[str, float] = defaultdict(float)
    for r in tables["spend"]:
        for item in items_of.get(r["note_id"], ()):
            expected[item] += float(r["spend"]) / len(items_of[r["note_id"]])
    assert expected, "the world boosts notes that carry links to items"
    model = "position_based"
    funnel = {
        r["key"]: r
        for r in tables["funnel"]
        if r["model"] == model and r["dimension"] == "item" and r["key"] != "none"
    }
    assert {k for k, r in funnel.items() if r["spend"]} == set(expected)
    for key, spend in expected.items():
        row = funnel[key]
        assert row["spend"] == pytest.approx(spend, rel=1e-9)
        assert row["roas"] == pytest.approx(row["gmv_scaled"] / spend, rel=1e-9)
    shop = [r for r in tables["shop"] if r["model"] == model]
    assert any(r["roas"] for r in shop if r["dimension"] == "item")
    for r in shop:
        if r["dimension"] != "item":
            assert r["spend"] is None and r["roas"] is None
        elif r["key"] in expected:
            assert r["spend"] == pytest.approx(expected[r["key"]], rel=1e-9)
            assert r["roas"] == pytest.approx(r["gmv_scaled"] / r["spend"], rel=1e-9)

"""The organic floor on a hand-made credit table: credit kept only on touches of the bought
brand, in the base model's proportions, times the share the data say was not by chance."""

from __future__ import annotations

import duckdb
import pytest

from seedtrail.attribution import organic


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE w_offers AS SELECT * FROM (VALUES ('s', 'i1', 1), ('s', 'i2', 2)) "
        "v(partner, item_id, brand_id)"
    )
    # t1, t3, t4: notes of brand 1; t2 a click that led to brand 2's item
    con.execute(
        "CREATE TEMP TABLE w_touch_keys AS SELECT * FROM (VALUES ('t1', 1, NULL), "
        "('t2', 1, 's:i2'), ('t3', 1, NULL), ('t4', 1, NULL)) v(event_id, brand_id, item_key)"
    )
    # c1 buys brand 1 after t1 and t2; c2 buys brand 2 after t3 (no touch of its brand);
    # c3 buys brand 1 after t4 and is half sampled; r1 refunds c1
    con.execute(
        "CREATE TEMP TABLE r_credit_m AS SELECT * FROM (VALUES "
        "('c1', 'purchase', 't1', 0.5, 50.0, 1.0, 's:i1', 7), "
        "('c1', 'purchase', 't2', 0.5, 50.0, 1.0, 's:i1', NULL), "
        "('r1', 'refund', 't1', 0.5, -50.0, 1.0, 's:i1', 7), "
        "('r1', 'refund', 't2', 0.5, -50.0, 1.0, 's:i1', NULL), "
        "('c2', 'purchase', 't3', 1.0, 30.0, 1.0, 's:i2', NULL), "
        "('c3', 'purchase', 't4', 1.0, 20.0, 0.5, 's:i1', NULL)) "
        "v(conversion_id, conversion_kind, touch_id, credit, value, sample_rate, item_key, "
        "campaign_id)"
    )
    return con


def test_the_floor_keeps_credit_on_touches_of_the_bought_brand(
    con: duckdb.DuckDBPyConnection,
) -> None:
    table, floor = organic.apply(con, "r_credit_m")
    # unmatched: c2 (brand 2, weight 1), so brand 2 has p = 1. c1 touched brands {1, 2}: it
    # would have matched by chance (q = 1); c2 and c3 touched brand 1 only (q = 0).
    # π = 1 / Σ w(1 − q) = 1 / (0 + 1 + 2); chance-matched = π · Σ wq = 1/3 of 3 matched
    assert floor.unmatched == 1.0 and floor.matched == 3.0 and floor.purchases == 4.0
    assert floor.baseline_share == pytest.approx(1 / 3)
    assert floor.chance_matched == pytest.approx(1 / 3)
    assert floor.kept == pytest.approx(1 - 1 / 9)
    k = floor.kept
    rows = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.execute(
            f"SELECT conversion_id, touch_id, credit, value FROM {table}"
        ).fetchall()
    }
    # c1's whole credit moves to t1 (brand 1), times k; its refund follows; c2 keeps nothing
    assert rows.keys() == {("c1", "t1"), ("r1", "t1"), ("c3", "t4")}
    assert rows["c1", "t1"] == pytest.approx((k, 100.0 * k))
    assert rows["r1", "t1"] == pytest.approx((k, -100.0 * k))
    assert rows["c3", "t4"] == pytest.approx((k, 20.0 * k))
    assert floor.explained == pytest.approx(k + 2 * k)  # c3 scaled for its sampling
    # off-brand purchase credit: t2's half of c1 and all of c2, of 1 + 1 + 2
    assert floor.off_brand == pytest.approx(1.5 / 4)
    assert 0 < floor.kept_sd < 1


def test_no_unmatched_purchase_keeps_every_matched_credit(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("DELETE FROM r_credit_m WHERE conversion_id = 'c2'")
    _table, floor = organic.apply(con, "r_credit_m")
    assert floor.baseline_share == 0.0 and floor.kept == 1.0 and floor.kept_sd == 0.0

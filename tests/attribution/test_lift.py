"""Holdout lift against a hand-computed example, and attribution beside it."""

from __future__ import annotations

import math
from statistics import variance

import duckdb
import pyarrow as pa
import pytest
from scipy import stats

from seedtrail.attribution import lift
from seedtrail.attribution.summary import T975
from seedtrail.core.errors import InvalidInput


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(
        "CREATE TABLE w_campaigns AS SELECT 1 AS campaign_id, 10 AS brand_id, "
        "TIMESTAMPTZ '2025-03-01 00:00:00+00' AS starts_at, "
        "TIMESTAMPTZ '2025-03-03 00:00:00+00' AS ends_at"
    )
    c.execute(
        "CREATE TABLE w_offers AS SELECT * FROM (VALUES ('p', 'a', 10), ('p', 'b', 20)) "
        "o(partner, item_id, brand_id)"
    )
    c.execute(
        "CREATE TABLE w_viewers AS SELECT * FROM (VALUES ('t1', false), ('t2', false), "
        "('t3', false), ('t4', false), ('h1', true), ('h2', true)) v(community_key, holdout)"
    )
    c.execute(
        "CREATE TABLE w_identity AS SELECT community_key, 's_' || community_key AS shop_key, "
        "'p' AS partner "
        "FROM w_viewers"
    )
    c.execute(
        "CREATE TABLE w_conv AS SELECT event_id, 's_' || who AS shop_user_key, 'p' AS partner, "
        "item_id, kind, CAST(ts AS TIMESTAMPTZ) AS ts, value, rate AS sample_rate FROM (VALUES "
        "('e1', 't1', 'a', 'purchase', '2025-03-01 10:00:00+00', 100.0, 1.0), "
        "('e2', 't1', 'a', 'refund', '2025-03-02 10:00:00+00', -20.0, 1.0), "
        "('e3', 't2', 'a', 'purchase', '2025-03-03 12:00:00+00', 50.0, 0.5), "
        "('e4', 't3', 'a', 'purchase', '2025-03-05 12:00:00+00', 70.0, 1.0), "  # after window
        "('e5', 't4', 'b', 'purchase', '2025-03-02 12:00:00+00', 90.0, 1.0), "  # other brand
        "('e6', 't4', 'a', 'add_to_cart', '2025-03-02 12:00:00+00', 0.0, 1.0), "
        "('e7', 'h1', 'a', 'purchase', '2025-03-02 00:00:00+00', 100.0, 1.0)"
        ") x(event_id, who, item_id, kind, ts, value, rate)"
    )
    return c


def test_lift_is_the_difference_of_means_scaled_to_the_exposed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = {r["key"]: r for r in lift.lift(con, window_days=1.0).to_pylist()}
    assert set(rows) == {"1", "all"}
    r = rows["1"]
    assert (r["viewers_exposed"], r["viewers_holdout"]) == (4, 2)
    treated, holdout = [1.0, 2.0, 0.0, 0.0], [1.0, 0.0]  # t2 bought at sample rate 0.5
    assert r["incremental_purchases"] == pytest.approx(1.0)
    se = 4 * math.sqrt(variance(treated + holdout) * (1 / 4 + 1 / 2))  # variance under no effect
    # t with buyers in the smaller group less one (1 holdout buyer: at least 1) degrees of freedom
    assert r["incremental_purchases_ci_low"] == pytest.approx(1.0 - T975[0] * se)
    assert r["incremental_purchases_ci_high"] == pytest.approx(1.0 + T975[0] * se)
    assert r["relative_lift_purchases"] == pytest.approx(0.5)
    assert r["significant_purchases"] is False  # 1 ± 5.4
    # GMV net of refunds: t1 100 - 20, t2 50 / 0.5; holdout h1 100
    assert r["incremental_gmv"] == pytest.approx((180 / 4 - 100 / 2) * 4)
    assert rows["all"]["incremental_purchases"] == pytest.approx(1.0)


def test_attributed_figures_sit_beside_the_lift(con: duckdb.DuckDBPyConnection) -> None:
    lifts = lift.lift(con, window_days=1.0)
    funnels = pa.table(
        {
            "model": ["last_touch", "last_touch", "last_touch"],
            "dimension": ["campaign", "campaign", "note"],
            "key": ["1", "none", "1"],
            "purchases_scaled": [3.0, 50.0, 9.0],
            "gmv_scaled": [300.0, 5000.0, 900.0],
        }
    )
    rows = {r["key"]: r for r in lift.compare(con, lifts, funnels).to_pylist()}
    assert rows["1"]["attributed_purchases"] == 3.0
    assert rows["1"]["overcount_purchases"] == pytest.approx(3.0)
    assert rows["all"]["attributed_purchases"] == 3.0  # the organic 'none' row is not a boost
    assert rows["1"]["overcount_gmv"] == pytest.approx(300.0 / -20.0)


def test_too_few_buyers_is_not_enough_data(con: duckdb.DuckDBPyConnection) -> None:
    r = {r["key"]: r for r in lift.lift(con, window_days=1.0).to_pylist()}["1"]
    assert (r["buyers_exposed"], r["buyers_holdout"]) == (2, 1)
    assert r["enough_data"] is False
    assert r["significant_purchases"] is False and r["significant_gmv"] is False
    # the test is still stated: z = 1 / se, two-sided
    se = r["incremental_purchases_se"]
    assert r["p_value_purchases"] == pytest.approx(2 * stats.t.sf(1.0 / se, 1))


def test_t_test_mde_and_power_by_hand() -> None:
    assert lift.t_test(2.228139, 1.0, 10) == pytest.approx(0.05, abs=1e-5)
    assert lift.t_test(0.0, 1.0, 10) == pytest.approx(1.0)
    assert lift.t_test(1.0, 0.0, 10) is None
    assert lift.degrees_of_freedom(58, 6) == 5 and lift.degrees_of_freedom(0, 3) == 1
    # se of the incremental count 10 over 1000 exposed: per-viewer se 0.01; baseline 0.05
    mde = lift.mde(10.0, 0.05, 1000)
    assert mde == pytest.approx((1.959964 + 0.841621) * 0.01 / 0.05, rel=1e-5)
    # at the MDE itself the power is 80% (the far tail adds almost nothing)
    assert lift.power(10.0, 0.05, 1000, mde) == pytest.approx(0.8, abs=1e-3)
    assert lift.power(10.0, 0.05, 1000, 0.0) == pytest.approx(0.05)
    assert lift.mde(10.0, 0.0, 1000) is None


def test_holdout_share_detects_the_asked_lift() -> None:
    h = lift.holdout_share(reach=100_000, baseline=0.01, relative=0.2)
    assert h is not None and 0 < h < 0.5
    # with that split and Poisson variance p per viewer the MDE is exactly the asked 20%
    n_t, n_h, p = 100_000 * (1 - h), 100_000 * h, 0.01
    se = n_t * math.sqrt(p * (1 / n_t + 1 / n_h))
    assert lift.mde(se, p, round(n_t)) == pytest.approx(0.2, rel=1e-3)
    # a bigger lift needs a smaller holdout; too small a campaign cannot detect it at all
    small = lift.holdout_share(reach=100_000, baseline=0.01, relative=0.5)
    assert small is not None and small < h
    assert lift.holdout_share(reach=1_000, baseline=0.001, relative=0.2) is None
    # a lift so small its square underflows is undetectable, never a division by zero
    assert lift.holdout_share(reach=100, baseline=0.2, relative=5e-324) is None
    with pytest.raises(InvalidInput):
        lift.holdout_share(reach=0, baseline=0.01)


def test_mde_at_a_share_inverts_the_holdout_share() -> None:
    h = lift.holdout_share(reach=100_000, baseline=0.01, relative=0.2)
    assert h is not None
    # the share advised for a 20% lift finds exactly a 20% lift
    assert lift.mde_at_share(100_000, 0.01, h) == pytest.approx(0.2)
    # a larger holdout finds smaller lifts; none at all with no holdout
    assert (lift.mde_at_share(100_000, 0.01, 0.5) or 1.0) < 0.2
    assert lift.mde_at_share(100_000, 0.01, 0.0) is None
    advice = lift.advice(100_000, 0.01, 0.1)
    assert advice["holdout_share_needed"] == pytest.approx(h)
    assert advice["current_share"] == 0.1
    assert lift.advice(100_000, 0.0, 0.1)["holdout_share_needed"] is None  # no baseline

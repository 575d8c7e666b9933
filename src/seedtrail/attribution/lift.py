"""Lift from the randomized holdout: what boosts really added, next to what attribution claims.

Boosted impressions are never shown to holdout viewers, chosen at random. For a campaign of
brand *b* running from ``starts_at`` to ``ends_at``, each viewer's outcome is their purchases
(and net GMV: purchases less refunds) of *b*'s items from the start to the end plus the
attribution window, each conversion weighted by ``1 / sample_rate`` so sampled shops count at
full size. Comparing the mean outcome of exposed-eligible viewers (outside the holdout) with the
holdout's (an intention-to-treat difference of means) gives the incremental conversions among
eligible viewers::

    incremental = (ȳ_t - ȳ_h) · n_t,  SE = n_t · s · sqrt(1 / n_t + 1 / n_h)

with a Student t 95% interval (below), where ``s²`` is the variance of the outcome over all
viewers of both groups. Purchases of one brand are rare (a few per thousand viewers), and a
small holdout often holds only a handful of buyers: its own sample variance is then too small
and a Welch interval too narrow (on the demo world it "found" lift for a campaign that never
ran). The variance of the pooled sample is the variance under no effect, the honest yardstick
for such rare outcomes.

The row ``key = 'all'`` pools every campaign (a purchase counted
once when it falls in several campaigns). The attributed figures beside it are the purchases and
GMV each model credits to the campaign's boosted touches; ``overcount`` is attributed over
incremental (above 1: attribution claims more than the boost added), meaningful only where the
lift is ``significant``.

The test is stated: a two-sided t test of no difference in mean outcome at the 5% level
(``p_value_*``), with the pooled variance above and as many degrees of freedom as the smaller
group has buyers, less one (:func:`degrees_of_freedom`); the 95% interval uses the same t. With
z (a normal interval) the lift intervals of simulated worlds covered the true effect 92% of the
time: a holdout of 5 to 10 buyers gives a noisy variance. It is only run with enough data: at least
``MIN_BUYERS`` (5) buying viewers in each group (``enough_data``); with fewer the normal
approximation fails (one exposed and two holdout buyers once made a "significant" −95% lift) and
readers are told there is not enough data instead of shown a number. Beside every lift stand the
minimum detectable effect (``mde_purchases``: the smallest relative lift in purchases found with
80% power) and the power to find a relative lift of ``REFERENCE_LIFT`` (20%). Before a campaign
runs, :func:`holdout_share` gives the holdout share it needs.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import duckdb
import pyarrow as pa

from seedtrail.attribution.summary import Z95, t975
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

_N = NormalDist()
ALPHA = 0.05
Z_ALPHA = Z95  # two-sided 5%
Z_POWER = _N.inv_cdf(0.8)
MIN_BUYERS = 5  # buying viewers in each group before any lift is shown
REFERENCE_LIFT = 0.2  # the relative lift whose power is reported beside every lift

_OUTCOMES = ("purchases", "gmv")


def _outcome_sql(window_days: float) -> str:
    """Per (key, viewer): weighted purchases and net GMV inside each campaign's window."""
    return (
        "WITH camp AS (SELECT CAST(campaign_id AS VARCHAR) AS key, brand_id, starts_at, "
        f"ends_at + to_microseconds(CAST({window_days * 86400e6!r} AS BIGINT)) AS until "
        "FROM w_campaigns), "
        "buys AS (SELECT v.event_id, i.community_key, v.kind, v.ts, o.brand_id, "
        "1.0 / COALESCE(v.sample_rate, 1.0) AS w, COALESCE(v.value, 0.0) AS value "
        "FROM w_conv v JOIN w_identity i ON i.shop_key = v.shop_user_key AND i.partner = v.partner "
        "JOIN (SELECT partner, item_id, MIN(brand_id) AS brand_id FROM w_offers GROUP BY ALL) o "
        "ON o.partner = v.partner AND o.item_id = v.item_id "
        "WHERE v.kind IN ('purchase', 'refund')), "
        "hits AS (SELECT c.key, b.* FROM buys b JOIN camp c ON c.brand_id = b.brand_id "
        "AND b.ts >= c.starts_at AND b.ts < c.until), "
        "keyed AS (SELECT key, event_id, community_key, kind, w, value FROM hits UNION ALL "
        "SELECT DISTINCT 'all' AS key, event_id, community_key, kind, w, value FROM hits) "
        "SELECT key, community_key, "
        "SUM(CASE WHEN kind = 'purchase' THEN w ELSE 0.0 END) AS purchases, "
        "SUM(w * value) AS gmv FROM keyed GROUP BY key, community_key"
    )


def lift(con: duckdb.DuckDBPyConnection, window_days: float = 15.0) -> pa.Table:
    """Incremental purchases and GMV per campaign (and ``all``) with 95% intervals."""
    moments = ", ".join(
        f"SUM(COALESCE(y.{o}, 0.0)) FILTER (WHERE NOT v.holdout) AS {o}_st, "
        f"SUM(COALESCE(y.{o}, 0.0) ^ 2) FILTER (WHERE NOT v.holdout) AS {o}_sst, "
        f"SUM(COALESCE(y.{o}, 0.0)) FILTER (WHERE v.holdout) AS {o}_sh, "
        f"SUM(COALESCE(y.{o}, 0.0) ^ 2) FILTER (WHERE v.holdout) AS {o}_ssh"
        for o in _OUTCOMES
    )
    moments += (
        ", COUNT(*) FILTER (WHERE NOT v.holdout AND y.purchases > 0) AS buyers_exposed, "
        "COUNT(*) FILTER (WHERE v.holdout AND y.purchases > 0) AS buyers_holdout"
    )
    keys = "SELECT CAST(campaign_id AS VARCHAR) AS key, brand_id FROM w_campaigns UNION ALL "
    keys += "SELECT 'all', NULL"
    grouped = (
        f"SELECT k.key, k.brand_id, COUNT(*) FILTER (WHERE NOT v.holdout) AS n_t, "
        f"COUNT(*) FILTER (WHERE v.holdout) AS n_h, {moments} "
        f"FROM ({keys}) k CROSS JOIN w_viewers v "
        f"LEFT JOIN ({_outcome_sql(window_days)}) y "
        "ON y.key = k.key AND y.community_key = v.community_key GROUP BY k.key, k.brand_id"
    )
    cols = []
    for o in _OUTCOMES:
        mt, mh = f"({o}_st / n_t)", f"({o}_sh / n_h)"
        s_all, ss_all = f"({o}_st + {o}_sh)", f"({o}_sst + {o}_ssh)"
        pooled = f"(({ss_all} - {s_all} * {s_all} / (n_t + n_h)) / (n_t + n_h - 1))"
        se = f"(n_t * SQRT({pooled} * (1.0 / n_t + 1.0 / n_h)))"
        inc = f"(({mt} - {mh}) * n_t)"
        cols += [
            f"{mt} AS {o}_per_viewer_exposed",
            f"{mh} AS {o}_per_viewer_holdout",
            f"{inc} AS incremental_{o}",
            f"{se} AS incremental_{o}_se",
            f"{inc} - {Z95!r} * {se} AS incremental_{o}_ci_low",
            f"{inc} + {Z95!r} * {se} AS incremental_{o}_ci_high",
            f"({mt} - {mh}) / NULLIF({mh}, 0) AS relative_lift_{o}",
            f"FALSE AS significant_{o}",  # set by _with_tests
        ]
    table = con.sql(
        f"SELECT key, brand_id, n_t AS viewers_exposed, n_h AS viewers_holdout, buyers_exposed, "
        f"buyers_holdout, {', '.join(cols)} FROM ({grouped}) g WHERE n_t > 1 AND n_h > 1 "
        "ORDER BY key"
    ).to_arrow_table()
    return _with_tests(table)


def _with_tests(table: pa.Table) -> pa.Table:
    """Add the test's p-values, the stated minimum of data, the MDE and the power."""
    rows = table.to_pylist()
    for r in rows:
        r["enough_data"] = enough_data(r["buyers_exposed"], r["buyers_holdout"])
        df = degrees_of_freedom(r["buyers_exposed"], r["buyers_holdout"])
        for o in _OUTCOMES:
            inc, se_o = r[f"incremental_{o}"], r[f"incremental_{o}_se"]
            if inc is not None and se_o is not None:
                r[f"incremental_{o}_ci_low"] = inc - t975(df) * se_o
                r[f"incremental_{o}_ci_high"] = inc + t975(df) * se_o
            test = t_test(inc, se_o, df)
            r[f"p_value_{o}"] = test
            r[f"significant_{o}"] = bool(r["enough_data"] and test is not None and test < ALPHA)
        se, base = r["incremental_purchases_se"], r["purchases_per_viewer_holdout"]
        n_t = r["viewers_exposed"]
        r["mde_purchases"] = mde(se, base, n_t)
        r["power_purchases"] = power(se, base, n_t, REFERENCE_LIFT)
    schema = table.schema
    for name, typ in (
        ("enough_data", pa.bool_()),
        ("p_value_purchases", pa.float64()),
        ("p_value_gmv", pa.float64()),
        ("mde_purchases", pa.float64()),
        ("power_purchases", pa.float64()),
    ):
        schema = schema.append(pa.field(name, typ))
    return pa.Table.from_pylist(rows, schema=schema)


def enough_data(buyers_exposed: int, buyers_holdout: int) -> bool:
    """The stated minimum: at least :data:`MIN_BUYERS` buying viewers in each group (below it the
    normal approximation of the test does not hold and no lift is shown)."""
    return buyers_exposed >= MIN_BUYERS and buyers_holdout >= MIN_BUYERS


def degrees_of_freedom(buyers_exposed: int, buyers_holdout: int) -> int:
    """The t test's degrees of freedom: buyers in the smaller group less one (at least 1). A
    rare outcome's mean rests on its buyers, not its viewers: with a handful of holdout buyers
    the pooled variance is itself uncertain (the conservative Welch choice, counted in buyers)."""
    return max(min(int(buyers_exposed or 0), int(buyers_holdout or 0)) - 1, 1)


def t_test(incremental: float | None, se: float | None, df: int) -> float | None:
    """Two-sided p-value of the t test (``df`` degrees of freedom) of no difference in means."""
    if incremental is None or se is None or not math.isfinite(se) or se <= 0:
        return None
    from scipy.stats import t as student_t

    return float(2.0 * student_t.sf(abs(incremental) / se, max(df, 1)))


def mde(se: float | None, baseline: float | None, n_t: int) -> float | None:
    """Minimum detectable relative lift in purchases (5% two-sided, 80% power): the smallest
    lift over the holdout's purchases per viewer that this holdout finds four times in five."""
    if se is None or not baseline or not math.isfinite(se) or n_t <= 0:
        return None
    return (Z_ALPHA + Z_POWER) * (se / n_t) / baseline


def power(se: float | None, baseline: float | None, n_t: int, relative: float) -> float | None:
    """Chance that the test (5% two-sided) finds a true relative lift of ``relative``."""
    if se is None or not baseline or not math.isfinite(se) or se <= 0 or n_t <= 0:
        return None
    shift = relative * baseline * n_t / se
    return _N.cdf(shift - Z_ALPHA) + _N.cdf(-shift - Z_ALPHA)


def holdout_share(
    reach: int, baseline: float, relative: float = REFERENCE_LIFT, power_: float = 0.8
) -> float | None:
    """The smallest holdout share with which a campaign reaching ``reach`` people whose baseline
    purchases per person are ``baseline`` detects a relative lift ``relative`` (5% two-sided,
    with power ``power_``); None when even a half-and-half split cannot.

    With purchases per person roughly Poisson (variance ≈ mean p), the difference of the two
    groups' means has variance ``p (1/(N(1-h)) + 1/(N h))``; the lift is detected when
    ``(z_α + z_β) · SE ≤ relative · p``, i.e. ``h (1 - h) ≥ (z_α + z_β)² / (N p relative²)``."""
    if reach <= 0 or baseline <= 0 or relative <= 0 or not 0.0 < power_ < 1.0:
        raise InvalidInput(Msg("problem.invalid-input.lift_inputs"))
    signal = reach * baseline * relative**2
    if not signal > 0 or not math.isfinite(signal):  # a lift too small to detect at all
        return None
    need = (Z_ALPHA + _N.inv_cdf(power_)) ** 2 / signal
    if need > 0.25:
        return None
    return (1.0 - math.sqrt(1.0 - 4.0 * need)) / 2.0


def mde_at_share(reach: int, baseline: float, share: float, power_: float = 0.8) -> float | None:
    """The smallest relative lift a holdout of ``share`` finds (5% two-sided, power ``power_``)
    for a campaign reaching ``reach`` people with ``baseline`` purchases per person: the inverse
    of :func:`holdout_share`, ``(z_α + z_β) / sqrt(N p h (1 - h))``."""
    signal = reach * baseline * share * (1.0 - share)
    if not 0.0 < share < 1.0 or not signal > 0 or not math.isfinite(signal):
        return None
    return (Z_ALPHA + _N.inv_cdf(power_)) / math.sqrt(signal)


def advice(reach: int, baseline: float, current_share: float) -> dict[str, float | None]:
    """Holdout advice for a campaign: the share needed to find a :data:`REFERENCE_LIFT` lift
    with 80% power, beside the platform's current share and the lift that share can find."""
    ok = reach > 0 and baseline > 0 and math.isfinite(baseline)
    return {
        "reach": reach,
        "baseline": baseline if ok else None,
        "relative_lift": REFERENCE_LIFT,
        "holdout_share_needed": holdout_share(reach, baseline) if ok else None,
        "current_share": current_share,
        "mde_at_current_share": mde_at_share(reach, baseline, current_share) if ok else None,
    }


def true_incremental(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """From the simulator's truth: the purchases and net GMV boosts caused, per campaign."""
    return con.sql(
        "SELECT CAST(campaign_id AS VARCHAR) AS key, "
        "COUNT(*) FILTER (WHERE kind = 'purchase') AS true_incremental_purchases, "
        "COALESCE(SUM(value), 0.0) AS true_incremental_gmv FROM w_truth "
        "WHERE caused AND boosted AND campaign_id IS NOT NULL "
        "AND kind IN ('purchase', 'refund') GROUP BY ALL UNION ALL "
        "SELECT 'all', COUNT(*) FILTER (WHERE kind = 'purchase'), COALESCE(SUM(value), 0.0) "
        "FROM w_truth WHERE caused AND boosted AND kind IN ('purchase', 'refund')"
    ).to_arrow_table()


def compare(con: duckdb.DuckDBPyConnection, lifts: pa.Table, funnels: pa.Table) -> pa.Table:
    """Per (campaign, model): attributed purchases and GMV beside the incremental ones."""
    con.register("r_lift", lifts)
    con.register("r_funnels", funnels)
    try:
        return con.sql(
            "WITH attr AS (SELECT model, key, purchases_scaled AS attributed_purchases, "
            "gmv_scaled AS attributed_gmv FROM r_funnels WHERE dimension = 'campaign' "
            "AND key <> 'none' UNION ALL SELECT model, 'all', SUM(purchases_scaled), "
            "SUM(gmv_scaled) FROM r_funnels WHERE dimension = 'campaign' AND key <> 'none' "
            "GROUP BY model) "
            "SELECT l.key, a.model, a.attributed_purchases, l.incremental_purchases, "
            "a.attributed_purchases / NULLIF(l.incremental_purchases, 0) AS overcount_purchases, "
            "a.attributed_gmv, l.incremental_gmv, "
            "a.attributed_gmv / NULLIF(l.incremental_gmv, 0) AS overcount_gmv "
            "FROM r_lift l JOIN attr a USING (key) ORDER BY l.key, a.model"
        ).to_arrow_table()
    finally:
        con.unregister("r_lift")
        con.unregister("r_funnels")

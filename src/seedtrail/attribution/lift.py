"""Lift from the randomized holdout: what boosts really added, next to what attribution claims.

Boosted impressions are never shown to holdout viewers, chosen at random. For a campaign of
brand *b* running from ``starts_at`` to ``ends_at``, each viewer's outcome is their purchases
(and net GMV: purchases less refunds) of *b*'s items from the start to the end plus the
attribution window, each conversion weighted by ``1 / sample_rate`` so sampled shops count at
full size. Comparing the mean outcome of exposed-eligible viewers (outside the holdout) with the
holdout's (an intention-to-treat difference of means) gives the incremental conversions among
eligible viewers::

    incremental = (ȳ_t - ȳ_h) · n_t,  SE = n_t · s · sqrt(1 / n_t + 1 / n_h)

with a normal 95% interval, where ``s²`` is the variance of the outcome over all viewers of both
groups. Purchases of one brand are rare (a few per thousand viewers), and a small holdout often
holds only a handful of buyers: its own sample variance is then too small and a Welch interval
too narrow (on the demo world it "found" lift for a campaign that never ran). The variance of the
pooled sample is the variance under no effect, the honest yardstick for such rare outcomes.

The row ``key = 'all'`` pools every campaign (a purchase counted
once when it falls in several campaigns). The attributed figures beside it are the purchases and
GMV each model credits to the campaign's boosted touches; ``overcount`` is attributed over
incremental (above 1: attribution claims more than the boost added), meaningful only where the
lift is ``significant`` (its interval excludes zero).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from seedtrail.attribution.summary import Z95

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
            f"{inc} - {Z95!r} * {se} AS incremental_{o}_ci_low",
            f"{inc} + {Z95!r} * {se} AS incremental_{o}_ci_high",
            f"({mt} - {mh}) / NULLIF({mh}, 0) AS relative_lift_{o}",
            f"ABS({inc}) > {Z95!r} * {se} AS significant_{o}",
        ]
    return con.sql(
        f"SELECT key, brand_id, n_t AS viewers_exposed, n_h AS viewers_holdout, "
        f"{', '.join(cols)} FROM ({grouped}) g WHERE n_t > 1 AND n_h > 1 ORDER BY key"
    ).to_arrow_table()


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

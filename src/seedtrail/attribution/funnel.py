"""The funnel per note, creator, brand, campaign, partner and placement.

Front-link counts (impressions, reads, engagements, clicks, and ``people``: distinct viewers
reached) come from the community's own events,
complete, keyed like the credit roll-up (:mod:`seedtrail.attribution.rollup`): a touch's note,
its note's creator and brand, its own campaign (boosted traffic only) and placement, and for
clicks the shop the link led to. Back-link figures (searches, store visits, carts, purchases,
refunds, GMV) are the conversions credited by one model, scaled for sampled backhaul, with
their 95% intervals and the sample rates behind them.

Boost spend is summed per note, campaign, brand (its campaigns), creator (spend on their
notes) and item (:data:`ITEM_SPEND`: a note's spend split equally among the items its links
point to, so the items' spend adds up to the spend on notes with links to items); partners and
placements carry no spend (null). A row of a dimension with spend on which nothing was spent
has spend 0, and no costs or ROAS. ``cost_per_read``, ``cost_per_click`` and
``cost_per_purchase`` divide the spend by the row's reads, clicks and scaled purchases, and
``roas`` is the scaled GMV over the spend. On a campaign row every figure is its boosted
traffic, so its ROAS is the return on boost spend proper; on notes, creators and brands the
figures are all traffic (boosted or organic) and the cost figures are blended.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from seedtrail.attribution.rollup import DIMENSIONS, ITEM_KEY, key_expr
from seedtrail.attribution.spec import ENGAGEMENT_KINDS
from seedtrail.attribution.summary import summary_columns

FRONT_COUNTS = (
    ("impressions", "kind = 'impression'"),
    ("reads", "kind = 'read'"),
    ("likes", "kind = 'like'"),
    ("collects", "kind = 'collect'"),
    ("comments", "kind = 'comment'"),
    ("shares", "kind = 'share'"),
    ("follows", "kind = 'follow'"),
    ("engagements", f"kind IN ({', '.join(repr(k) for k in ENGAGEMENT_KINDS)})"),
    ("clicks", "kind = 'click'"),
)
PEOPLE = ("people", "")  # distinct viewers with a touch: the row's reach
COSTS = ("spend", "cost_per_read", "cost_per_click", "cost_per_purchase", "roas")

#: Each (note, item) a link on the note points to, with the note's share of spend for the item:
#: one over the number of distinct items linked on the note (``w_note_mounts``: note, offer).
NOTE_ITEMS = (
    "SELECT note_id, item_key, 1.0 / COUNT(*) OVER (PARTITION BY note_id) AS share FROM ("
    f"SELECT DISTINCT CAST(m.note_id AS VARCHAR) AS note_id, {ITEM_KEY.format(t='o')} AS item_key "
    "FROM w_note_mounts m JOIN w_offers o USING (offer_id) WHERE o.item_id IS NOT NULL) x"
)
ITEM_SPEND = (
    f"SELECT i.item_key AS k, s.spend * i.share AS spend FROM w_spend s JOIN ({NOTE_ITEMS}) i "
    "USING (note_id)"
)

_SPEND = {
    "note": "SELECT note_id AS k, spend FROM w_spend",
    "campaign": "SELECT campaign_id AS k, spend FROM w_spend",
    "brand": (
        "SELECT c.brand_id AS k, s.spend FROM w_spend s JOIN w_campaigns c USING (campaign_id)"
    ),
    "creator": (
        "SELECT d.creator_id AS k, s.spend FROM w_spend s JOIN w_note_dims d USING (note_id) "
        "WHERE d.creator_id IS NOT NULL"
    ),
    "item": ITEM_SPEND,
}


#: A row's spend: 0 where its dimension carries spend and nothing was spent on it (one
#: definition for every table: a note's spend is 0 in its campaign's notes and in its credit
#: table alike); none (null) for partners and placements. Costs and ROAS stay null without spend.
_SPEND_OR_ZERO = "CASE WHEN x.dimension IN ({}) THEN COALESCE(s.spend, 0.0) END".format(
    ", ".join(f"'{d}'" for d in _SPEND)
)


def front_counts(con: duckdb.DuckDBPyConnection) -> None:
    """``r_front``: front-link counts per (dimension, key), for every dimension at once."""
    counts = ", ".join(f"COUNT(*) FILTER (WHERE {cond}) AS {name}" for name, cond in FRONT_COUNTS)
    counts += ", COUNT(DISTINCT user_key) AS people"  # reach: what the clean room's k applies to
    parts = [
        f"SELECT '{dim}' AS dimension, {key_expr(dim)} AS key, {counts} FROM w_touch_keys "
        "GROUP BY ALL"
        for dim in DIMENSIONS
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE r_front AS {' UNION ALL '.join(parts)}")
    spend = [
        f"SELECT '{dim}' AS dimension, CAST(k AS VARCHAR) AS key, SUM(spend) AS spend "
        f"FROM ({sql}) s GROUP BY ALL"
        for dim, sql in _SPEND.items()
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE r_spend AS {' UNION ALL '.join(spend)}")


def funnel(con: duckdb.DuckDBPyConnection, credited: pa.Table, model: str) -> pa.Table:
    """One row per (dimension, key): front counts, credited conversions (scaled, with CIs and
    sample rates), spend, costs and ROAS. Needs :func:`front_counts` first."""
    con.register("r_credited", credited)
    try:
        front = ", ".join(f"COALESCE(f.{n}, 0) AS {n}" for n, _ in (*FRONT_COUNTS, PEOPLE))
        back = ", ".join(f"COALESCE(c.{n}, 0.0) AS {n}" for n in summary_columns())
        sql = (
            f"SELECT '{model}' AS model, COALESCE(f.dimension, c.dimension) AS dimension, "
            f"COALESCE(f.key, c.key) AS key, {front}, {back}, "
            "c.sample_rate_min, c.sample_rate_max FROM r_front f "
            "FULL OUTER JOIN r_credited c ON f.dimension = c.dimension AND f.key = c.key"
        )
        return con.sql(
            f"SELECT x.*, {_SPEND_OR_ZERO} AS spend, "
            "s.spend / NULLIF(x.reads, 0) AS cost_per_read, "
            "s.spend / NULLIF(x.clicks, 0) AS cost_per_click, "
            "s.spend / NULLIF(x.purchases_scaled, 0) AS cost_per_purchase, "
            "x.gmv_scaled / NULLIF(s.spend, 0) AS roas "
            f"FROM ({sql}) x LEFT JOIN r_spend s USING (dimension, key) "
            "ORDER BY dimension, key"
        ).to_arrow_table()
    finally:
        con.unregister("r_credited")


DAILY_COUNTS = ("impressions", "reads", "engagements", "clicks")


def daily_funnel(con: duckdb.DuckDBPyConnection, credited: pa.Table, model: str) -> pa.Table:
    """One row per (campaign, day, UTC): that day's boosted impressions, reads, engagements,
    clicks and reach, the conversions credited to the campaign on that day (scaled, with CIs and
    sample rates; from :func:`seedtrail.attribution.rollup.daily`), the day's spend and ROAS.
    A campaign's days add up to its row in :func:`funnel` (``people`` excepted: a distinct
    count per day)."""
    wanted = dict(FRONT_COUNTS)
    counts = ", ".join(f"COUNT(*) FILTER (WHERE {wanted[n]}) AS {n}" for n in DAILY_COUNTS)
    front = (
        f"SELECT {key_expr('campaign')} AS key, day, {counts}, "
        "COUNT(DISTINCT user_key) AS people FROM w_touch_keys GROUP BY ALL"
    )
    spend = (
        "SELECT CAST(campaign_id AS VARCHAR) AS key, day, SUM(spend) AS spend "
        "FROM w_spend GROUP BY ALL"
    )
    con.register("r_credited_daily", credited)
    try:
        fronts = ", ".join(f"COALESCE(f.{n}, 0) AS {n}" for n in (*DAILY_COUNTS, "people"))
        back = ", ".join(f"COALESCE(c.{n}, 0.0) AS {n}" for n in summary_columns())
        return con.sql(
            f"WITH f AS ({front}), s AS ({spend}), "
            "k AS (SELECT key, day FROM f UNION SELECT key, day FROM r_credited_daily "
            "UNION SELECT key, day FROM s) "
            f"SELECT '{model}' AS model, k.key, k.day, {fronts}, {back}, c.sample_rate_min, "
            "c.sample_rate_max, s.spend, c.gmv_scaled / NULLIF(s.spend, 0) AS roas "
            "FROM k LEFT JOIN f USING (key, day) LEFT JOIN r_credited_daily c USING (key, day) "
            "LEFT JOIN s USING (key, day) ORDER BY k.key, k.day"
        ).to_arrow_table()
    finally:
        con.unregister("r_credited_daily")

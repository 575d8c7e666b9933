"""The shop's view of attribution: per partner, the conversions it sent back and the clicks its
links received, by item, note, creator, campaign and day.

A shop partner sees only its own rows: the credit of *its* conversions (``partner`` is the shop
that sent the conversion) and the counted clicks on links to *its* offers. Keys:

* ``item`` the conversion's item (``<partner>:<item id>``); a click's item is the offer's;
* ``note``, ``creator``, ``campaign`` the credited touch's (a click's own note, creator and
  campaign);
* ``day`` the conversion's day (UTC); a click's own day.

``people`` is the row's reach as the clean room's k rule counts it: distinct community users who
clicked one of the shop's links or whose touch was credited with one of its conversions under
the key. Credited figures are estimated as in :mod:`seedtrail.attribution.rollup` (scaled for
sampled backhaul, 95% intervals). Item rows carry the item's boost spend and ROAS as the
funnel's item rows define them (:data:`seedtrail.attribution.funnel.ITEM_SPEND`, the metric
registry's ``spend`` and ``roas``): an item's key names one partner, so its GMV here is the whole
item's. Other rows carry no spend (what a shop itself pays is the funder split).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from seedtrail.attribution.rollup import NONE, estimate, key_expr
from seedtrail.attribution.summary import summary_columns

DIMENSIONS = ("item", "note", "creator", "campaign", "day")


def _key(dim: str) -> str:
    return f"COALESCE(CAST(day AS VARCHAR), '{NONE}')" if dim == "day" else key_expr(dim)


def _parts(select: str, source: str, where: str) -> str:
    return " UNION ALL ".join(
        f"SELECT partner, '{dim}' AS dimension, {_key(dim)} AS key, {select} FROM {source} "
        f"WHERE {where}"
        for dim in DIMENSIONS
    )


def shop_funnel(con: duckdb.DuckDBPyConnection, credit_table: str, model: str) -> pa.Table:
    """One row per (partner, dimension, key): counted clicks on the partner's links, reach
    (``people``) and the partner's credited conversions (scaled, with 95% CIs)."""
    credited = estimate(
        con,
        _parts(
            "conversion_id, conversion_kind, credit, value, sample_rate, user_key",
            credit_table,
            "partner IS NOT NULL",
        ),
        ("partner", "dimension", "key"),
    )
    reach = (
        "SELECT partner, dimension, key, SUM(click) AS clicks, "
        "COUNT(DISTINCT user_key) AS people FROM ("
        + _parts("user_key, 1 AS click", "w_touch_keys", "kind = 'click' AND partner IS NOT NULL")
        + " UNION ALL "
        + _parts("user_key, 0 AS click", credit_table, "partner IS NOT NULL")
        + ") u GROUP BY ALL"
    )
    back = ", ".join(f"COALESCE(c.{n}, 0.0) AS {n}" for n in summary_columns())
    con.register("r_shop_credited", credited)
    try:
        rows = (
            f"SELECT '{model}' AS model, COALESCE(f.partner, c.partner) AS partner, "
            "COALESCE(f.dimension, c.dimension) AS dimension, COALESCE(f.key, c.key) AS key, "
            "CAST(COALESCE(f.clicks, 0) AS BIGINT) AS clicks, "
            f"CAST(COALESCE(f.people, 0) AS BIGINT) AS people, {back}, "
            f"c.sample_rate_min, c.sample_rate_max FROM ({reach}) f "
            "FULL OUTER JOIN r_shop_credited c ON f.partner = c.partner "
            "AND f.dimension = c.dimension AND f.key = c.key"
        )
        return con.sql(  # r_spend: the funnel's spend per (dimension, key), items included
            "SELECT x.*, s.spend, x.gmv_scaled / NULLIF(s.spend, 0) AS roas "
            f"FROM ({rows}) x LEFT JOIN r_spend s ON x.dimension = 'item' "
            "AND s.dimension = 'item' AND s.key = x.key ORDER BY partner, dimension, key"
        ).to_arrow_table()
    finally:
        con.unregister("r_shop_credited")

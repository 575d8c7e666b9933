"""Roll note-level credit up to creator, brand, campaign, partner and placement.

The engine credits touches (each credit row names its note). Every credit row is given, once,
the key it has in each dimension:

* ``note`` the credited touch's note; ``creator`` / ``brand`` that note's creator and brand
  (``w_note_dims``);
* ``campaign`` and ``placement`` the credited touch's own ``campaign_id`` (set when the touch
  came from a boost) and ``placement`` (where the clicked link sat);
* ``partner`` the shop that sent the conversion;
* ``item`` the item (SKU) the conversion names, as ``<partner>:<item id>`` (item ids are the
  shop's own, so two shops may both have an item ``77``). In the front counts a touch's item is
  the item of the offer a click led to (other touches: ``none``).

A row without a key in a dimension goes to the key ``none``, so every dimension partitions the
same credit rows and its totals equal the note-level totals. Figures are then estimated per key
with the engine's sampled-backhaul estimator (:mod:`seedtrail.attribution.summary`), after first
summing a conversion's credit within a key (the variance is over conversions, not touches).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from seedtrail.attribution.summary import summary_step

DIMENSIONS = ("note", "creator", "brand", "campaign", "partner", "placement", "item")
NONE = "none"
#: An item's key: the partner's slug and the shop's own item id (``{t}``: the table alias).
ITEM_KEY = "CASE WHEN {t}.item_id IS NOT NULL THEN {t}.partner || ':' || {t}.item_id END"

_KEY = {
    "note": "note_id",
    "creator": "creator_id",
    "brand": "brand_id",
    "campaign": "campaign_id",
    "partner": "partner",
    "placement": "placement",
    "item": "item_key",
}


def key_expr(dimension: str, alias: str = "") -> str:
    col = f"{alias}.{_KEY[dimension]}" if alias else _KEY[dimension]
    return f"COALESCE(CAST({col} AS VARCHAR), '{NONE}')"


def register_credits(con: duckdb.DuckDBPyConnection, credits: pa.Table, model: str) -> str:
    """Store one model's credits (the engine's ``credits()``) with their dimension keys as the
    table ``r_credit_<model>``; returns its name."""
    name = f"r_credit_{model}"
    con.register("r_credit_in", credits)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT c.conversion_id, c.conversion_kind, "
            "c.touch_id, c.touch_kind, c.note_id, c.credit, c.value, c.sample_rate, c.user_key, "
            "t.campaign_id, t.placement, v.partner, t.creator_id, t.brand_id, "
            f"{ITEM_KEY.format(t='v')} AS item_key, CAST(v.ts AS DATE) AS day FROM r_credit_in c "
            "LEFT JOIN w_touch_keys t ON t.event_id = c.touch_id "
            "LEFT JOIN w_conv v ON v.event_id = c.conversion_id"
        )
    finally:
        con.unregister("r_credit_in")
    return name


def flag_conversions(con: duckdb.DuckDBPyConnection) -> None:
    """``w_conv_flags``: every conversion that fell in a flagged backhaul window of its partner
    (``w_flags``: partner, kind, starts_at, ends_at), with the flag's kind. Computed once per
    report build; every model's rows and days join it."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE w_conv_flags AS SELECT DISTINCT v.event_id AS "
        "conversion_id, v.partner, f.kind AS flag FROM w_conv v JOIN w_flags f "
        "ON f.partner = v.partner AND v.ts >= f.starts_at AND v.ts < f.ends_at"
    )


def _flagged_rows(credit_table: str) -> str:
    """Credit rows whose conversion is flagged (``w_conv_flags``), with the flag's kind."""
    return (
        f"SELECT c.*, g.flag FROM {credit_table} c JOIN w_conv_flags g "
        "ON g.conversion_id = c.conversion_id AND g.partner = c.partner"
    )


def flagged(con: duckdb.DuckDBPyConnection, credit_table: str) -> pa.Table:
    """Per (dimension, key): the kinds of degraded backhaul (``gap``, ``held``, ...) behind any
    credited conversion of the row, comma-separated; rows without any are absent."""
    parts = [
        f"SELECT '{dim}' AS dimension, {key_expr(dim)} AS key, flag FROM "
        f"({_flagged_rows(credit_table)}) x"
        for dim in DIMENSIONS
    ]
    return con.sql(
        "SELECT dimension, key, string_agg(DISTINCT flag, ',' ORDER BY flag) AS backhaul_flags "
        f"FROM ({' UNION ALL '.join(parts)}) u GROUP BY dimension, key"
    ).to_arrow_table()


def flagged_daily(con: duckdb.DuckDBPyConnection, credit_table: str) -> pa.Table:
    """Per (campaign key, day): as :func:`flagged`."""
    return con.sql(
        f"SELECT {key_expr('campaign')} AS key, day, "
        "string_agg(DISTINCT flag, ',' ORDER BY flag) AS backhaul_flags "
        f"FROM ({_flagged_rows(credit_table)}) x GROUP BY ALL"
    ).to_arrow_table()


def estimate(con: duckdb.DuckDBPyConnection, rows_sql: str, keys: tuple[str, ...]) -> pa.Table:
    """Sum each conversion's credit within ``keys`` over ``rows_sql`` (credit rows carrying those
    key columns), then estimate per key with the sampled-backhaul estimator."""
    cols = ", ".join(keys)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW st_out AS SELECT {cols}, conversion_id, "
        "conversion_kind, SUM(credit) AS credit, SUM(value) AS value, "
        f"MIN(sample_rate) AS sample_rate, MIN(user_key) AS user_key FROM ({rows_sql}) u "
        f"GROUP BY {cols}, conversion_id, conversion_kind"
    )
    step = summary_step(keys)
    return con.sql(f"SELECT * FROM ({step.sql}) s ORDER BY {cols}").to_arrow_table()


def rollup(con: duckdb.DuckDBPyConnection, credit_table: str) -> pa.Table:
    """Credited conversions and GMV per (dimension, key), scaled for sampling with 95% CIs."""
    parts = [
        f"SELECT '{dim}' AS dimension, {key_expr(dim)} AS key, conversion_id, conversion_kind, "
        f"credit, value, sample_rate, user_key FROM {credit_table}"
        for dim in DIMENSIONS
    ]
    return estimate(con, " UNION ALL ".join(parts), ("dimension", "key"))


def daily(con: duckdb.DuckDBPyConnection, credit_table: str) -> pa.Table:
    """Credited conversions and GMV per campaign and conversion day (UTC), scaled like
    :func:`rollup`; a campaign's days add up to its total."""
    rows = (
        f"SELECT {key_expr('campaign')} AS key, day, conversion_id, conversion_kind, credit, "
        f"value, sample_rate, user_key FROM {credit_table}"
    )
    return estimate(con, rows, ("key", "day"))

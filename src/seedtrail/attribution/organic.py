"""The organic floor: the share of a model's credit that lands on purchases which would have
happened anyway, estimated from the data and taken out before the lift calibration (in the
spirit of the baseline of media-mix tools such as Robyn's, here at the level of a touch).

The engines credit every touch of the buyer inside the window, whatever it was about: a read of
a note about lipstick shares the credit of a tent bought a week later. A note can only have
caused the purchase of what it is about, so of a conversion's credited touches the floor keeps
those *of the bought brand* (a click: the brand of the item it led to; any other touch: the
brand of its note, :mod:`~seedtrail.attribution.world`'s ``w_note_dims``) and splits the
conversion's credit among them in the base model's own proportions.

Even a touch of the bought brand may precede a purchase by chance. How often is estimated from
the purchases the model credits (weighted by their sampling, ``1 / sample_rate``):

* ``unmatched``: purchases none of whose credited touches is of the bought brand; the floor
  takes them as purchases no note caused, and their brands as the brands such purchases buy
  (share ``p_B``);
* a purchase whose credited touches cover the brands ``S`` would have matched by chance with
  probability ``q = Σ_{B ∈ S} p_B`` had its brand been drawn like those purchases;
* so the share of purchases that would happen anyway is ``π = unmatched / Σ (1 − q)`` and, of
  the ``matched`` purchases, ``π · Σ q`` matched by chance. The floor keeps the share
  ``kept = 1 − π · Σ q / matched`` of their credit (its standard deviation from the Poisson
  error of ``unmatched``); the unmatched purchases keep none.

The model's credit that survives is what the lift calibration then scales per campaign
(:mod:`~seedtrail.attribution.calibration`). The floor also says how much of each model's
credit it keeps (``explained``: the purchase credit it kept, scaled for sampling) and how much of
the model's purchase credit lay on touches of another brand than the one bought
(``off_brand``); these choose the base model where no lift is informative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from seedtrail.attribution.rollup import ITEM_KEY

#: The brand of every item (``partner:item_id``, the credit rows' ``item_key``).
_BRANDS = (
    f"SELECT {ITEM_KEY.format(t='o')} AS item_key, CAST(MIN(brand_id) AS VARCHAR) AS brand_id "
    "FROM w_offers o WHERE o.item_id IS NOT NULL AND o.brand_id IS NOT NULL GROUP BY ALL"
)


@dataclass(frozen=True)
class Floor:
    """The organic floor of one model's credit (see the module docstring)."""

    purchases: float  # purchases the model credits, scaled for sampling
    matched: float  # ... with a credited touch of the bought brand
    unmatched: float
    baseline_share: float  # π: purchases that would happen anyway, of all credited
    chance_matched: float  # matched purchases expected to match by chance
    kept: float  # share of the matched purchases' credit kept
    kept_sd: float
    explained: float  # purchase credit kept, scaled for sampling
    off_brand: float  # share of the model's purchase credit on touches of another brand

    def as_dict(self) -> dict[str, float]:
        return {
            "purchases": self.purchases,
            "matched_purchases": self.matched,
            "unmatched_purchases": self.unmatched,
            "baseline_share": self.baseline_share,
            "chance_matched_purchases": self.chance_matched,
            "kept": self.kept,
            "kept_sd": self.kept_sd,
            "explained_purchases": self.explained,
            "off_brand": self.off_brand,
        }


def _tag(con: duckdb.DuckDBPyConnection, credit_table: str) -> None:
    """``o_rows``: the credit rows, each with ``rel`` (1 when its touch is of the bought brand)
    and the touch's brand."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE o_rows AS WITH b AS ({_BRANDS}), "
        "tk AS (SELECT t.event_id, COALESCE(cb.brand_id, CAST(t.brand_id AS VARCHAR)) AS "
        "brand_id FROM w_touch_keys t LEFT JOIN b cb ON cb.item_key = t.item_key) "
        "SELECT c.*, tk.brand_id AS touch_brand, ib.brand_id AS item_brand, "
        "CASE WHEN tk.brand_id = ib.brand_id THEN 1.0 ELSE 0.0 END AS rel "
        f"FROM {credit_table} c LEFT JOIN tk ON tk.event_id = c.touch_id "
        "LEFT JOIN b ib ON ib.item_key = c.item_key"
    )


def _estimate(con: duckdb.DuckDBPyConnection) -> tuple[float, float, float, float, float]:
    """Weighted matched and unmatched purchases, Σ w·q, Σ w·(1 − q) and Σ w² of the unmatched
    (the module docstring's quantities) over the tagged rows."""
    row = con.execute(
        "WITH c AS (SELECT conversion_id, MAX(rel) AS tier, ANY_VALUE(item_brand) AS brand, "
        "1.0 / MIN(sample_rate) AS w, LIST(DISTINCT touch_brand) FILTER (WHERE credit > 0 "
        "AND touch_brand IS NOT NULL) AS brands FROM o_rows WHERE conversion_kind = 'purchase' "
        "GROUP BY conversion_id), "
        "p AS (SELECT brand, SUM(w) / SUM(SUM(w)) OVER () AS p FROM c WHERE tier = 0 "
        "AND brand IS NOT NULL GROUP BY brand), "
        "u AS (SELECT conversion_id, UNNEST(brands) AS brand FROM c), "
        "q AS (SELECT c.conversion_id, ANY_VALUE(c.tier) AS tier, ANY_VALUE(c.w) AS w, "
        "LEAST(1.0, COALESCE(SUM(p.p), 0.0)) AS q FROM c LEFT JOIN u USING (conversion_id) "
        "LEFT JOIN p ON p.brand = u.brand GROUP BY c.conversion_id) "
        "SELECT COALESCE(SUM(w) FILTER (WHERE tier = 1), 0), "
        "COALESCE(SUM(w) FILTER (WHERE tier = 0), 0), COALESCE(SUM(w * q), 0), "
        "COALESCE(SUM(w * (1 - q)), 0), COALESCE(SUM(w * w) FILTER (WHERE tier = 0), 0) FROM q"
    ).fetchone()
    assert row is not None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]), float(row[4]))


def _floor_of(matched: float, unmatched: float, sum_q: float, sum_not_q: float, w2: float) -> Floor:
    pi = unmatched / sum_not_q if sum_not_q > 0 else 0.0
    chance = pi * sum_q
    ratio = min(1.0, chance / matched) if matched > 0 else 0.0
    rel_sd = math.sqrt(w2) / unmatched if unmatched > 0 else 0.0
    return Floor(
        purchases=matched + unmatched,
        matched=matched,
        unmatched=unmatched,
        baseline_share=min(1.0, pi),
        chance_matched=chance,
        kept=1.0 - ratio,
        kept_sd=min(1.0, ratio * rel_sd),
        explained=0.0,
        off_brand=0.0,
    )


def apply(con: duckdb.DuckDBPyConnection, credit_table: str) -> tuple[str, Floor]:
    """``<credit_table>_floor``: the credit rows of ``credit_table`` (a
    :func:`~seedtrail.attribution.rollup.register_credits` table) after the organic floor (rows
    left without credit dropped), and the floor's figures."""
    _tag(con, credit_table)
    floor = _floor_of(*_estimate(con))
    out = f"{credit_table}_floor"
    # each conversion's credit (and value), split among its touches of the bought brand in the
    # base model's proportions, times the share kept
    share = f"{floor.kept!r} * rel / NULLIF(SUM(credit * rel) OVER (PARTITION BY conversion_id), 0)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * EXCLUDE (touch_brand, item_brand, rel, "
        "total, total_value) REPLACE (credit * total * s AS credit, credit * total_value * s AS "
        "value) FROM (SELECT *, SUM(credit) OVER (PARTITION BY conversion_id) AS total, "
        "SUM(value) OVER (PARTITION BY conversion_id) AS total_value, "
        f"COALESCE({share}, 0.0) AS s FROM o_rows) x WHERE credit * s > 0"
    )
    con.execute(f"ALTER TABLE {out} DROP COLUMN s")
    row = con.execute(
        "SELECT SUM(credit / sample_rate), SUM(credit * (1 - rel) / sample_rate) FROM o_rows "
        "WHERE conversion_kind = 'purchase'"
    ).fetchone()
    kept_credit = con.execute(
        f"SELECT COALESCE(SUM(credit / sample_rate), 0) FROM {out} "
        "WHERE conversion_kind = 'purchase'"
    ).fetchone()
    con.execute("DROP TABLE o_rows")
    total = float(row[0] or 0.0) if row else 0.0
    off = float(row[1] or 0.0) / total if row and total > 0 else 0.0
    explained = float(kept_credit[0]) if kept_credit else 0.0
    return out, Floor(**{**floor.__dict__, "explained": explained, "off_brand": off})

"""Credit rules of the models, as SQL over ``st_paths`` (one row per anchor × eligible touch).

Every model yields ``st_credit(anchor_id, touch_id, note_id, touch_kind, credit)`` where the
credits of one anchor sum to 1. Positions count along the path ordered by ``(ts, touch_id)``.
Data-driven models (Markov, Shapley) first learn one weight per channel from the paths
(:mod:`seedtrail.attribution.datadriven`); a conversion's credit is then split over its touches
in proportion to their channels' weights (equally when all its weights are zero).
"""

from __future__ import annotations

from collections.abc import Mapping

from seedtrail.attribution.dialect import literal, num
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import ModelSpec

_RANKED = (
    "SELECT p.*, COUNT(*) OVER (PARTITION BY anchor_id) AS n, "
    "ROW_NUMBER() OVER (PARTITION BY anchor_id ORDER BY t_ts, touch_id) AS rk FROM st_paths p"
)
_COLS = "anchor_id, touch_id, note_id, touch_kind"


def _ranked(credit: str, where: str = "") -> str:
    filt = f" WHERE {where}" if where else ""
    return f"SELECT {_COLS}, CAST({credit} AS DOUBLE) AS credit FROM ({_RANKED}) r{filt}"


def credit_step(model: ModelSpec, channel_weights: Mapping[str, float] | None = None) -> Step:
    """The ``st_credit`` step of a model, computed from ``st_paths``."""
    name = model.name
    if name == "last_touch":
        sql = _ranked(num(1.0), "rk = n")
    elif name == "first_touch":
        sql = _ranked(num(1.0), "rk = 1")
    elif name == "linear":
        sql = _ranked(f"{num(1.0)} / n")
    elif name == "position_based":
        first, middle, last = model.position_weights
        two_first = first / (first + last) if first + last > 0 else 0.5
        credit = (
            f"CASE WHEN n = 1 THEN {num(1.0)} WHEN n = 2 AND rk = 1 THEN {num(two_first)} "
            f"WHEN n = 2 THEN {num(1.0 - two_first)} WHEN rk = 1 THEN {num(first)} "
            f"WHEN rk = n THEN {num(last)} ELSE {num(middle)} / (n - 2) END"
        )
        sql = f"SELECT * FROM ({_ranked(credit)}) x WHERE credit > 0"
    elif name == "time_decay":
        half_life_us = model.half_life.total_seconds() * 1_000_000
        sql = (
            f"SELECT {_COLS}, w / SUM(w) OVER (PARTITION BY anchor_id) AS credit FROM "
            f"(SELECT p.*, POWER({num(0.5)}, (c_ts - t_ts) / {num(half_life_us)}) AS w "
            "FROM st_paths p) x"
        )
    elif name == "last_click":
        sql = (
            f"SELECT {_COLS}, {num(1.0)} AS credit FROM (SELECT p.*, ROW_NUMBER() OVER "
            "(PARTITION BY anchor_id ORDER BY CASE WHEN touch_id = matched_click THEN 0 ELSE 1 "
            "END, t_ts DESC, touch_id DESC) AS rk FROM st_paths p WHERE touch_kind = 'click') r "
            "WHERE rk = 1"
        )
    else:
        sql = _weighted(channel_weights or {})
    return Step("st_credit", sql, materialize=True)


def _weighted(weights: Mapping[str, float]) -> str:
    whens = " ".join(f"WHEN {literal(ch)} THEN {num(w)}" for ch, w in sorted(weights.items()))
    weight = f"CASE channel {whens} ELSE {num(0.0)} END" if whens else num(0.0)
    return (
        f"SELECT {_COLS}, CASE WHEN total > 0 THEN w / total ELSE {num(1.0)} / n END AS credit "
        "FROM "
        "(SELECT y.*, SUM(w) OVER (PARTITION BY anchor_id) AS total, "
        "COUNT(*) OVER (PARTITION BY anchor_id) AS n FROM "
        f"(SELECT p.*, CAST({weight} AS DOUBLE) AS w FROM st_paths p) y) x "
        "WHERE total = 0 OR w > 0"
    )

"""Daily panels of the figures a policy change moves, read from the ``w_*`` views a report reads
(:mod:`seedtrail.attribution.deployment` for a deployment's store and lake,
:mod:`seedtrail.attribution.world` for a simulated world's files): nothing here re-reads the
lake on its own terms.

Two outcomes, each a registered figure (:mod:`seedtrail.attribution.metrics`):

* ``clicks``: counted clicks (the touches of kind ``click`` a report counts), by the day of the
  tap and the clicked offer's partner and category;
* ``shop_gmv``: order value less refunds of every order the shops sent back, scaled for sampled
  backhaul (each event weighs ``1 / sample_rate``), by the day of the order and the partner and
  category of the ordered item (an item no offer names has no category).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import N_, Msg

Outcome = Literal["clicks", "shop_gmv"]
Dimension = Literal["category", "partner"]
OUTCOMES: tuple[Outcome, ...] = ("clicks", "shop_gmv")
DIMENSIONS: tuple[Dimension, ...] = ("category", "partner")
# the words for them in messages (term("impact.outcome", o), term("impact.dimension", d))
TERMS = (
    *(N_("impact.outcome.clicks"), N_("impact.outcome.shop_gmv")),
    *(N_("impact.dimension.category"), N_("impact.dimension.partner")),
)

_SQL: dict[str, str] = {
    "clicks": (
        "SELECT CAST(t.ts AS DATE) AS day, t.partner, o.category, 1.0 AS value "
        "FROM w_touches t LEFT JOIN (SELECT offer_id, MIN(category) AS category FROM w_offers "
        "GROUP BY offer_id) o ON o.offer_id = t.offer_id WHERE t.kind = 'click'"
    ),
    "shop_gmv": (
        "SELECT CAST(c.ts AS DATE) AS day, c.partner, o.category, "
        "COALESCE(c.value, 0.0) / COALESCE(NULLIF(c.sample_rate, 0), 1.0) AS value "
        "FROM w_conv c LEFT JOIN (SELECT partner, item_id, MIN(category) AS category "
        "FROM w_offers GROUP BY partner, item_id) o "
        "ON o.partner = c.partner AND o.item_id = c.item_id "
        "WHERE c.kind IN ('purchase', 'refund')"
    ),
}


def events(con: duckdb.DuckDBPyConnection, outcome: Outcome) -> pa.Table:
    """One row per click or order event: ``day``, ``partner``, ``category``, ``value``."""
    if outcome not in _SQL:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.outcome",
                {"value": repr(outcome), "allowed": ", ".join(OUTCOMES)},
            )
        )
    cols = {r[0] for r in con.execute("DESCRIBE w_touches").fetchall()}
    sql = _SQL[outcome]
    if outcome == "clicks" and "offer_id" not in cols:
        sql = sql.replace("o.offer_id = t.offer_id", "FALSE")
    return con.sql(sql).to_arrow_table()


@dataclass(frozen=True)
class Panel:
    """A figure per unit (rows) and day (columns), zeros where nothing happened."""

    outcome: str
    dimension: str
    units: list[str]
    days: list[date]
    values: np.ndarray  # shape (units, days)

    def series(self, chosen: set[str]) -> np.ndarray:
        rows = [i for i, u in enumerate(self.units) if u in chosen]
        total: np.ndarray = self.values[rows].sum(axis=0)
        return total

    def day_index(self, day: date) -> int:
        if not self.days or day <= self.days[0] or day > self.days[-1]:
            if not self.days:
                raise InvalidInput(Msg("problem.invalid-input.change_no_data", {"day": day}))
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.change_outside_data",
                    {"day": day, "first": self.days[0], "last": self.days[-1]},
                )
            )
        return (day - self.days[0]).days


def daily(
    table: pa.Table,
    outcome: str,
    dimension: Dimension,
    first: date | None = None,
    last: date | None = None,
    partner: str | None = None,
) -> Panel:
    """Sum ``events`` per unit of ``dimension`` and day; ``partner`` keeps only its rows."""
    if dimension not in DIMENSIONS:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.dimension",
                {"value": repr(dimension), "allowed": ", ".join(DIMENSIONS)},
            )
        )
    keys = np.asarray(table.column(dimension).to_pylist(), dtype=object)
    keep = keys != None  # noqa: E711 (element-wise)
    if partner:
        keep &= np.asarray(table.column("partner").to_pylist(), dtype=object) == partner
    days = np.asarray(table.column("day").to_pylist(), dtype="datetime64[D]")[keep]
    vals = np.asarray(table.column("value").to_numpy(zero_copy_only=False), float)[keep]
    keys = keys[keep]
    if not len(days) and (first is None or last is None):
        return Panel(outcome, dimension, [], [], np.zeros((0, 0)))
    lo = np.datetime64(first, "D") if first else days.min()
    hi = np.datetime64(last, "D") if last else days.max()
    span = np.arange(lo, hi + 1)
    units = sorted(set(keys.tolist()))
    inside = (days >= lo) & (days <= hi)
    rows = np.searchsorted(np.asarray(units, dtype=object), keys[inside])
    out = np.zeros((len(units), len(span)))
    np.add.at(out, (rows, (days[inside] - lo).astype(int)), vals[inside])
    return Panel(outcome, dimension, units, [d.item() for d in span], out)

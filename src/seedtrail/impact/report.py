"""The impact of one policy change on a deployment's (or a world's) data: per outcome, the
pooled estimate for every touched unit together and one per touched unit, each against all the
units the change did not touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from seedtrail.core.errors import InvalidInput
from seedtrail.impact import did, panel
from seedtrail.impact.change import Change
from seedtrail.messages import Msg, term

if TYPE_CHECKING:
    from seedtrail.core.settings import Settings
    from seedtrail.store.store import Store


@dataclass(frozen=True)
class Row:
    outcome: str
    unit: str  # "*" for every touched unit together
    estimate: did.Estimate

    def to_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome, "unit": self.unit, **self.estimate.to_dict()}


@dataclass(frozen=True)
class ImpactReport:
    change: Change
    level: float
    rows: list[Row]
    controls: dict[str, list[str]] = field(default_factory=dict)
    days: dict[str, list[str]] = field(default_factory=dict)
    curves: dict[str, Curve] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "change": self.change.to_dict(),
            "level": self.level,
            "method": "did_hac",
            "controls": self.controls,
            "days": self.days,
            "rows": [r.to_dict() for r in self.rows],
            "curves": {o: c.to_dict() for o, c in self.curves.items()},
        }


@dataclass(frozen=True)
class Curve:
    """Every touched unit's daily figure beside its counterfactual, ``k`` times the untouched
    units' (the pooled row's): before the change the two should move together."""

    days: list[str]
    treated: list[float]
    counterfactual: list[float]
    first_after: int  # index of the first day after the change

    def to_dict(self) -> dict[str, object]:
        return {
            "days": self.days,
            "treated": self.treated,
            "counterfactual": self.counterfactual,
            "first_after": self.first_after,
        }


def _one(p: panel.Panel, change: Change, level: float) -> tuple[list[Row], list[str], Curve]:
    missing = [u for u in change.treated if u not in p.units]
    if missing:
        known = ", ".join(p.units) or "—"
        raise InvalidInput(
            Msg(
                "problem.invalid-input.impact_units_missing",
                {
                    "outcome": term("impact.outcome", p.outcome),
                    "dimension": term("impact.dimension", change.dimension),
                    "units": ", ".join(missing),
                    "known": known,
                },
            )
        )
    controls = [u for u in p.units if u not in change.treated]
    if not controls:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.impact_all_touched",
                {"dimension": term("impact.dimension", change.dimension)},
            )
        )
    start = p.day_index(change.at)
    rest = p.values[[p.units.index(u) for u in controls]]
    treated = p.series(set(change.treated))
    pooled = did.estimate(treated, rest.sum(0), start, level, rest)
    out = [Row(p.outcome, "*", pooled)]
    if len(change.treated) > 1:
        for unit in change.treated:
            est = did.estimate(p.series({unit}), rest.sum(0), start, level, rest)
            out.append(Row(p.outcome, unit, est))
    curve = Curve(
        [d.isoformat() for d in p.days],
        [float(v) for v in treated],
        [float(v) * pooled.ratio for v in rest.sum(0)],
        start,
    )
    return out, controls, curve


def measure(
    con: duckdb.DuckDBPyConnection,
    change: Change,
    outcomes: tuple[str, ...] = panel.OUTCOMES,
    level: float = 0.9,
) -> ImpactReport:
    """Estimate ``change``'s effect on each outcome over the registered ``w_*`` views."""
    rows: list[Row] = []
    controls: dict[str, list[str]] = {}
    days: dict[str, list[str]] = {}
    curves: dict[str, Curve] = {}
    for outcome in outcomes:
        table = panel.events(con, outcome)  # type: ignore[arg-type]
        p = panel.daily(table, outcome, change.dimension, partner=change.partner)
        found, controls[outcome], curves[outcome] = _one(p, change, level)
        rows += found
        days[outcome] = [p.days[0].isoformat(), p.days[-1].isoformat()] if p.days else []
    return ImpactReport(change, level, rows, controls, days, curves)


def measure_deployment(
    settings: Settings,
    store: Store,
    change: Change,
    outcomes: tuple[str, ...] = panel.OUTCOMES,
    level: float = 0.9,
) -> ImpactReport:
    """:func:`measure` on a deployment's own data: the store and the sealed lake, read through
    the views the attribution report reads (the CLI, the API and the dashboard all call this)."""
    from seedtrail.attribution.deployment import from_settings

    if not 0.5 <= level < 1:
        raise InvalidInput(Msg("problem.invalid-input.impact_level", {"value": level}))
    con = duckdb.connect()
    try:
        from_settings(settings, store).register(con)
        return measure(con, change, outcomes, level)
    finally:
        con.close()

"""The published report's rows as JSON: the shapes the API returns and the dashboard shows
(docs/attribution-reports.md). One function per row kind, so both read the same figures."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from seedtrail.attribution import lift as lift_calc
from seedtrail.attribution import metrics, runs
from seedtrail.attribution.funnel import COSTS, DAILY_COUNTS, FRONT_COUNTS
from seedtrail.attribution.summary import METRICS


class Run(TypedDict):
    """The published run a response was read from, and the model its figures are under."""

    run_id: str
    created_at: str
    as_of: str
    model: str
    models: list[str]
    default_model: str
    default_model_agreement: float | None  # Σ|attributed − incremental| of the default model


class Metric(TypedDict):
    """A credited figure: as sampled, scaled for the sample rate, its 95% interval and the
    interval's method (a key of the registry's ``interval_methods``)."""

    sampled: float | None
    scaled: float | None
    ci95: list[float | None]
    method: str | None


class SampleRate(TypedDict):
    min: float | None
    max: float | None


#: A report table's row as DuckDB returns it (see :meth:`runs.StoredReport.query`): read-only here,
#: its values typed by the SQL.
Record = Mapping[str, Any]
#: A report row as JSON (a funnel row, a campaign-day, a shop row): its figures' names come from
#: the metric registry (:data:`METRICS`, :data:`FRONT_COUNTS`), so its keys stay open here.
RowJSON = dict[str, object]


class ModelCredit(TypedDict):
    """One model's credit to a campaign or note (the side-by-side comparison)."""

    model: str
    purchases: Metric
    gmv: Metric
    roas: float | None


def num(value: Any) -> Any:
    """``value`` with non-finite floats (NaN, ±inf) as None (JSON has no such numbers)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def run_json(report: runs.StoredReport | None, model: str | None) -> Run | None:
    """The run a response was read from, and the model it shows (``model``, else the default)."""
    if report is None:
        return None
    meta = report.meta
    return {
        "run_id": meta["run_id"],
        "created_at": meta["created_at"],
        "as_of": meta["as_of"],
        "model": report.model(model),
        "models": meta["models"],
        "default_model": meta["primary_model"],
        "default_model_agreement": (meta.get("agreement_with_lift") or {}).get(
            meta["primary_model"]
        ),
    }


def withheld_reason(k: int) -> str:
    return f"reached fewer than {k} people (clean-room rule)"


def withheld(key: str, k: int) -> RowJSON:
    """A row the clean room withheld: its key, and why."""
    return {"key": key, "withheld": withheld_reason(k)}


def metric_json(row: Record, name: str) -> Metric:
    """A credited metric as JSON: as sampled, scaled for the sample rate, its 95% CI and the
    CI's method (a key of ``GET /attribution/metrics``'s ``interval_methods``)."""
    return {
        "sampled": num(row[name]),
        "scaled": num(row[f"{name}_scaled"]),
        "ci95": [num(row[f"{name}_ci_low"]), num(row[f"{name}_ci_high"])],
        "method": metrics.get(name).interval,
    }


def sample_rate_json(row: Record) -> SampleRate:
    return {"min": row["sample_rate_min"], "max": row["sample_rate_max"]}


def backhaul_flags(row: Record) -> list[str]:
    """The kinds of degraded backhaul (gap, lag, duplicates, orders_again, sample_rate) behind
    the row's credited conversions; empty when none (a report built before flags: empty)."""
    flags = row.get("backhaul_flags")
    return sorted(str(flags).split(",")) if flags else []


def funnel_json(row: Record) -> RowJSON:
    """One funnel row as JSON: front counts, credited metrics (sampled, scaled, 95% CI), costs."""
    out: RowJSON = {"key": row["key"], "people": int(row.get("people") or 0)}
    out.update({name: int(row[name]) for name, _ in FRONT_COUNTS})
    out.update({name: metric_json(row, name) for name, _, _ in METRICS})
    out["sample_rate"] = sample_rate_json(row)
    out["backhaul_flags"] = backhaul_flags(row)
    out.update({name: num(row[name]) for name in COSTS})
    out["rates"] = funnel_rates(out)
    return out


def scaled_value(row: Mapping[str, object], name: str) -> float | None:
    """A figure of a JSON row: a metric's scaled value, or the figure itself."""
    v = row.get(name)
    if isinstance(v, dict):
        v = v.get("scaled")
    return v if isinstance(v, int | float) else None


def funnel_rates(row: Mapping[str, object]) -> list[metrics.Rate]:
    """Each funnel step relative to its registered denominator (see :func:`metrics.rate`)."""
    out = []
    for step in metrics.FUNNEL_STEPS:
        den = metrics.get(step).denominator
        out.append(
            metrics.rate(step, scaled_value(row, step), scaled_value(row, den) if den else None)
        )
    return out


def per_model_json(row: Record) -> ModelCredit:
    """One model's credit to a campaign or note (the side-by-side comparison)."""
    return {
        "model": row["model"],
        "purchases": metric_json(row, "purchases"),
        "gmv": metric_json(row, "gmv"),
        "roas": num(row["roas"]),
    }


class LiftOutcome(TypedDict):
    """The lift in one outcome (purchases or GMV); its estimates null below the data minimum."""

    incremental: float | None
    ci95: list[float | None]
    per_viewer_exposed: float | None
    per_viewer_holdout: float | None
    relative_lift: float | None
    p_value: float | None
    significant: bool


class LiftJSON(TypedDict):
    """A campaign's holdout lift (docs/attribution-reports.md)."""

    viewers_exposed: int
    viewers_holdout: int
    buyers_exposed: int
    buyers_holdout: int
    test: str
    method: str | None
    enough_data: bool
    mde: float | None
    power: float | None
    power_at_relative_lift: float
    min_buyers: int
    purchases: LiftOutcome
    gmv: LiftOutcome
    not_enough_data: NotRequired[str]
    holdout_advice: NotRequired[dict[str, float | None]]


def _lift_outcome(r: Record, o: str) -> LiftOutcome:
    shown = bool(r["enough_data"])
    return {
        "incremental": num(r[f"incremental_{o}"]) if shown else None,
        "ci95": [num(r[f"incremental_{o}_ci_low"]), num(r[f"incremental_{o}_ci_high"])]
        if shown
        else [None, None],
        "per_viewer_exposed": num(r[f"{o}_per_viewer_exposed"]) if shown else None,
        "per_viewer_holdout": num(r[f"{o}_per_viewer_holdout"]) if shown else None,
        "relative_lift": num(r[f"relative_lift_{o}"]) if shown else None,
        "p_value": num(r[f"p_value_{o}"]) if shown else None,
        "significant": bool(r[f"significant_{o}"]),
    }


def lift_json(r: Record) -> LiftJSON:
    """A campaign's holdout lift with its stated test, MDE and power; below the stated minimum
    of data (``enough_data`` false) the estimates are withheld and ``not_enough_data`` says why."""
    out: LiftJSON = {
        "viewers_exposed": r["viewers_exposed"],
        "viewers_holdout": r["viewers_holdout"],
        "buyers_exposed": r["buyers_exposed"],
        "buyers_holdout": r["buyers_holdout"],
        "test": "two-sided t test of no difference in mean outcome, pooled variance, "
        "degrees of freedom: buyers in the smaller group less one, 5% level",
        "method": metrics.get("incremental_purchases").interval,
        "enough_data": bool(r["enough_data"]),
        "mde": num(r["mde_purchases"]),
        "power": num(r["power_purchases"]),
        "power_at_relative_lift": lift_calc.REFERENCE_LIFT,
        "min_buyers": lift_calc.MIN_BUYERS,
        "purchases": _lift_outcome(r, "purchases"),
        "gmv": _lift_outcome(r, "gmv"),
    }
    if not r["enough_data"]:
        out["not_enough_data"] = (
            f"fewer than {lift_calc.MIN_BUYERS} buying viewers in the exposed group "
            f"({r['buyers_exposed']}) or the holdout ({r['buyers_holdout']}): no lift is shown"
        )
    return out


def day_json(row: Record) -> RowJSON:
    """One campaign-day: its boosted traffic, what was credited that day, spend and ROAS."""
    out: RowJSON = {"key": str(row["day"]), "people": int(row["people"] or 0)}
    out.update({name: int(row[name]) for name in DAILY_COUNTS})
    out.update({name: metric_json(row, name) for name in ("purchases", "gmv")})
    out["sample_rate"] = sample_rate_json(row)
    out["backhaul_flags"] = backhaul_flags(row)
    out["spend"] = num(row["spend"])
    out["roas"] = num(row["roas"])
    return out


def cumulate(days: list[RowJSON]) -> None:
    """Running totals of scaled GMV and spend over the days as listed, and their ratio."""
    gmv = spend = 0.0
    for d in days:
        gmv += scaled_value(d, "gmv") or 0.0
        spend += scaled_value(d, "spend") or 0.0
        d["cumulative"] = {
            "gmv_scaled": gmv,
            "spend": spend,
            "roas": gmv / spend if spend else None,
        }


def shop_row_json(row: Record) -> RowJSON:
    """One shop row as JSON: reach, clicks, credited metrics (sampled, scaled, 95% CI)."""
    out: RowJSON = {"key": row["key"], "people": int(row["people"] or 0)}
    out["clicks"] = int(row["clicks"] or 0)
    out.update({name: metric_json(row, name) for name, _, _ in METRICS})
    out["sample_rate"] = sample_rate_json(row)
    out.update({name: num(row.get(name)) for name in ("spend", "roas")})  # item rows
    return out

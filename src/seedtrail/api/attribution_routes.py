"""Attribution reports for brands and operators, read from the published report (never
recomputed per request). Brands see their own campaigns and the notes they own, boost,
sponsor or sell on; creators their own notes; operators everything.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, select, union_all

from seedtrail.api.attribution_names import name_campaigns, name_notes
from seedtrail.api.deps import Actor, Reader
from seedtrail.attribution import lift as lift_calc
from seedtrail.attribution import metrics, runs
from seedtrail.attribution.funnel import COSTS, DAILY_COUNTS, FRONT_COUNTS
from seedtrail.attribution.summary import METRICS
from seedtrail.cleanroom import gate
from seedtrail.community import campaigns as campaign_res
from seedtrail.community import collabs
from seedtrail.core import resources
from seedtrail.core.errors import InvalidInput, NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.messages import N_, Msg
from seedtrail.store.schema import (
    campaign_notes,
    campaigns,
    link_mounts,
    notes,
    offers,
)
from seedtrail.store.types import Id

router = APIRouter(prefix="/attribution", tags=["attribution"])
ModelQ = Query(None, description="Attribution model; default the report's primary model.")


def _report(request: Request) -> runs.StoredReport | None:
    reports: runs.Reports = request.app.state.reports
    return reports.latest()


def _num(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _run(report: runs.StoredReport | None, model: str | None) -> dict[str, Any] | None:
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


def metric_json(row: dict[str, Any], name: str) -> dict[str, Any]:
    """A credited metric as JSON: as sampled, scaled for the sample rate, its 95% CI and the
    CI's method (a key of ``GET /attribution/metrics``'s ``interval_methods``)."""
    return {
        "sampled": _num(row[name]),
        "scaled": _num(row[f"{name}_scaled"]),
        "ci95": [_num(row[f"{name}_ci_low"]), _num(row[f"{name}_ci_high"])],
        "method": metrics.get(name).interval,
    }


def _sample_rate(row: dict[str, Any]) -> dict[str, Any]:
    return {"min": row["sample_rate_min"], "max": row["sample_rate_max"]}


def backhaul_flags(row: dict[str, Any]) -> list[str]:
    """The kinds of degraded backhaul (gap, lag, duplicates, orders_again, sample_rate) behind
    the row's credited conversions; empty when none (a report built before flags: empty)."""
    flags = row.get("backhaul_flags")
    return sorted(str(flags).split(",")) if flags else []


def funnel_json(row: dict[str, Any]) -> dict[str, Any]:
    """One funnel row as JSON: front counts, credited metrics (sampled, scaled, 95% CI), costs."""
    out: dict[str, Any] = {"key": row["key"], "people": int(row.get("people") or 0)}
    out.update({name: int(row[name]) for name, _ in FRONT_COUNTS})
    out.update({name: metric_json(row, name) for name, _, _ in METRICS})
    out["sample_rate"] = _sample_rate(row)
    out["backhaul_flags"] = backhaul_flags(row)
    out.update({name: _num(row[name]) for name in COSTS})
    out["rates"] = funnel_rates(out)
    return out


def _value(row: dict[str, Any], name: str) -> float | None:
    v = row.get(name)
    return v.get("scaled") if isinstance(v, dict) else v


def funnel_rates(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Each funnel step relative to its registered denominator (see :func:`metrics.rate`)."""
    out = []
    for step in metrics.FUNNEL_STEPS:
        den = metrics.get(step).denominator
        out.append(metrics.rate(step, _value(row, step), _value(row, den) if den else None))
    return out


def _require_reader(actor: Principal, roles: tuple[str, ...]) -> None:
    if actor.role not in roles:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")


def _own_campaign(conn: Connection, actor: Principal, ident: int) -> dict[str, Any]:
    _require_reader(actor, ("operator", "brand"))
    return resources.get(conn, campaign_res.RESOURCE, actor, ident)


def _funnel_rows(
    report: runs.StoredReport, model: str, dimension: str, keys: list[str] | None
) -> list[dict[str, Any]]:
    if keys is not None and not keys:
        return []
    rows = report.query(
        "SELECT * FROM {funnel} WHERE model = ? AND dimension = ? "
        "AND (? OR list_contains(?::VARCHAR[], key)) ORDER BY key",
        [model, dimension, keys is None, keys or []],
    )
    return [funnel_json(r) for r in rows]


@router.get(
    "/metrics",
    summary="The metric registry: every figure's labels, definition, unit, "
    "denominator, and the methods of the intervals",
)
def metric_registry(actor: Actor) -> dict[str, Any]:
    _require_reader(actor, ("operator", "brand", "creator"))
    return metrics.registry_json()


@router.get("/report", summary="The published attribution report: run, models, windows")
def report_meta(request: Request, actor: Actor) -> dict[str, Any]:
    _require_reader(actor, ("operator", "brand", "creator"))
    report = _report(request)
    if report is None:
        return {"run": None}
    meta = report.meta
    return {"run": _run(report, None), "windows_days": meta["windows_days"]}


@router.get(
    "/campaigns",
    summary="Funnel of each visible campaign's boosted traffic (operators also see `none`, "
    "the traffic no boost brought)",
)
def list_campaigns(
    request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> dict[str, Any]:
    _require_reader(actor, ("operator", "brand"))
    ids = None
    if actor.role == "brand":
        query = select(campaigns.c.id).where(campaigns.c.brand_id == actor.account_id)
        ids = [str(i) for i in conn.execute(query.order_by(campaigns.c.id)).scalars()]
    report = _report(request)
    if report is None:
        return {"run": None, "campaigns": []}
    run = _run(report, model)
    assert run is not None
    rows = _funnel_rows(report, run["model"], "campaign", ids)
    if actor.role != "operator":
        k = _k(request)
        rows = [gate.release_one(r, k) or _withheld(r["key"], k) for r in rows]
    return {"run": run, "campaigns": name_campaigns(conn, rows)}


def _holdout_share(request: Request) -> float:
    """The platform's holdout share (a setting): every campaign's holdout."""
    return float(request.app.state.settings.holdout_share)


def _k(request: Request) -> int:
    return int(request.app.state.settings.cleanroom_k)


def _withheld(key: str, k: int) -> dict[str, Any]:
    return {"key": key, "withheld": f"reached fewer than {k} people (clean-room rule)"}


@router.get("/campaigns/{ident}", summary="A campaign's funnel and the funnel of each of its notes")
def campaign_funnel(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> dict[str, Any]:
    _own_campaign(conn, actor, ident)
    note_ids = [
        str(n)
        for n in conn.execute(
            select(campaign_notes.c.note_id)
            .where(campaign_notes.c.campaign_id == ident)
            .order_by(campaign_notes.c.note_id)
        ).scalars()
    ]
    report = _report(request)
    if report is None:
        return {"run": None, "campaign_id": ident, "funnel": None, "notes": []}
    run = _run(report, model)
    assert run is not None
    rows = _funnel_rows(report, run["model"], "campaign", [str(ident)])
    funnel = rows[0] if rows else None
    notes_rows = _funnel_rows(report, run["model"], "note", note_ids)
    other = None
    if actor.role != "operator":  # brands read joined figures only as the clean room releases
        k = _k(request)
        funnel = gate.release_one(funnel, k)
        notes_rows, other = gate.release_rows(notes_rows, k)
    return {
        "run": run,
        "campaign_id": ident,
        "funnel": funnel,
        "notes": name_notes(conn, notes_rows),
        "notes_other": other,
        "k": _k(request),
    }


def _campaign_released(request: Request, actor: Principal, report: Any, ident: int) -> bool:
    """Whether ``actor`` may see campaign-level figures: its reach is at least k."""
    if actor.role == "operator":
        return True
    rows = report.query(
        "SELECT people FROM {funnel} WHERE dimension = 'campaign' AND key = ? LIMIT 1", [str(ident)]
    )
    return bool(rows) and int(rows[0]["people"] or 0) >= _k(request)


def _per_model(report: runs.StoredReport, dimension: str, key: str) -> list[dict[str, Any]]:
    rows = report.query(
        "SELECT * FROM {funnel} WHERE dimension = ? AND key = ? ORDER BY model", [dimension, key]
    )
    return [
        {
            "model": r["model"],
            "purchases": metric_json(r, "purchases"),
            "gmv": metric_json(r, "gmv"),
            "roas": _num(r["roas"]),
        }
        for r in rows
    ]


@router.get("/campaigns/{ident}/models", summary="Each model's credit to a campaign, side by side")
def campaign_models(ident: Id, request: Request, actor: Actor, conn: Reader) -> dict[str, Any]:
    _own_campaign(conn, actor, ident)
    report = _report(request)
    if report is None:
        return {"run": None, "campaign_id": ident, "models": []}
    if not _campaign_released(request, actor, report, ident):
        return {
            "run": _run(report, None),
            "campaign_id": ident,
            "models": [],
            **_withheld(str(ident), _k(request)),
        }
    return {
        "run": _run(report, None),
        "campaign_id": ident,
        "models": _per_model(report, "campaign", str(ident)),
    }


@router.get("/campaigns/{ident}/lift", summary="Holdout lift of a campaign beside attribution")
def campaign_lift(ident: Id, request: Request, actor: Actor, conn: Reader) -> dict[str, Any]:
    _own_campaign(conn, actor, ident)
    report = _report(request)
    if report is None:
        return {"run": None, "campaign_id": ident, "lift": None, "attributed": []}
    if not _campaign_released(request, actor, report, ident):
        return {"run": _run(report, None), "campaign_id": ident, "lift": None, "attributed": [],
                **_withheld(str(ident), _k(request))}  # fmt: skip
    key = str(ident)
    rows = report.query("SELECT * FROM {lift} WHERE key = ?", [key])
    lift = lift_json(rows[0]) if rows else None
    if lift is not None:  # the share this campaign's measured reach and baseline would need
        r = rows[0]
        lift["holdout_advice"] = lift_calc.advice(
            int(r["viewers_exposed"] + r["viewers_holdout"]),
            float(r["purchases_per_viewer_holdout"] or 0.0),
            _holdout_share(request),
        )
    attributed = [
        {k: _num(v) for k, v in r.items() if k != "key"}
        for r in report.query("SELECT * FROM {lift_models} WHERE key = ? ORDER BY model", [key])
    ]
    return {"run": _run(report, None), "campaign_id": ident, "lift": lift, "attributed": attributed}


def lift_json(r: dict[str, Any]) -> dict[str, Any]:
    """A campaign's holdout lift with its stated test, MDE and power; below the stated minimum
    of data (``enough_data`` false) the estimates are withheld and ``not_enough_data`` says why."""
    out: dict[str, Any] = {
        "viewers_exposed": r["viewers_exposed"],
        "viewers_holdout": r["viewers_holdout"],
        "buyers_exposed": r["buyers_exposed"],
        "buyers_holdout": r["buyers_holdout"],
        "test": "two-sided t test of no difference in mean outcome, pooled variance, "
        "degrees of freedom: buyers in the smaller group less one, 5% level",
        "method": metrics.get("incremental_purchases").interval,
        "enough_data": bool(r["enough_data"]),
        "mde": _num(r["mde_purchases"]),
        "power": _num(r["power_purchases"]),
        "power_at_relative_lift": lift_calc.REFERENCE_LIFT,
        "min_buyers": lift_calc.MIN_BUYERS,
    }
    if not r["enough_data"]:
        out["not_enough_data"] = (
            f"fewer than {lift_calc.MIN_BUYERS} buying viewers in the exposed group "
            f"({r['buyers_exposed']}) or the holdout ({r['buyers_holdout']}): no lift is shown"
        )
    for o in ("purchases", "gmv"):
        shown = bool(r["enough_data"])
        out[o] = {
            "incremental": _num(r[f"incremental_{o}"]) if shown else None,
            "ci95": [_num(r[f"incremental_{o}_ci_low"]), _num(r[f"incremental_{o}_ci_high"])]
            if shown
            else [None, None],
            "per_viewer_exposed": _num(r[f"{o}_per_viewer_exposed"]) if shown else None,
            "per_viewer_holdout": _num(r[f"{o}_per_viewer_holdout"]) if shown else None,
            "relative_lift": _num(r[f"relative_lift_{o}"]) if shown else None,
            "p_value": _num(r[f"p_value_{o}"]) if shown else None,
            "significant": bool(r[f"significant_{o}"]),
        }
    return out


@router.get("/holdout-advice", summary="The holdout share a campaign needs to detect a lift")
def holdout_advice(
    request: Request,
    actor: Actor,
    reach: int = Query(..., gt=0, le=10**10, description="Expected people reached"),
    baseline: float = Query(
        ..., ge=1e-9, le=100, description="Expected purchases per person reached without the boost"
    ),
    lift: float = Query(0.2, ge=1e-4, le=100, description="Relative lift to detect (0.2 = 20%)"),
    power: float = Query(0.8, gt=0, lt=1, description="Chance of detecting it"),
) -> dict[str, Any]:
    _require_reader(actor, ("operator", "brand"))
    share = lift_calc.holdout_share(reach, baseline, lift, power)
    current = _holdout_share(request)
    return {
        "reach": reach,
        "baseline": baseline,
        "lift": lift,
        "power": power,
        "holdout_share": share,
        "current_share": current,
        "mde_at_current_share": lift_calc.mde_at_share(reach, baseline, current, power),
        "test": "two-sided z test at the 5% level, purchases per person taken as Poisson",
        "advice": (
            f"hold out {share:.1%} of the reach"
            if share is not None
            else "even a half-and-half split cannot detect this lift at this reach"
        ),
    }


def day_json(row: dict[str, Any]) -> dict[str, Any]:
    """One campaign-day: its boosted traffic, what was credited that day, spend and ROAS."""
    out: dict[str, Any] = {"key": str(row["day"]), "people": int(row["people"] or 0)}
    out.update({name: int(row[name]) for name in DAILY_COUNTS})
    out.update({name: metric_json(row, name) for name in ("purchases", "gmv")})
    out["sample_rate"] = _sample_rate(row)
    out["backhaul_flags"] = backhaul_flags(row)
    out["spend"] = _num(row["spend"])
    out["roas"] = _num(row["roas"])
    return out


def _cumulate(days: list[dict[str, Any]]) -> None:
    """Running totals of scaled GMV and spend over the days as listed, and their ratio."""
    gmv = spend = 0.0
    for d in days:
        gmv += d["gmv"]["scaled"] or 0.0
        spend += d["spend"] or 0.0
        d["cumulative"] = {
            "gmv_scaled": gmv,
            "spend": spend,
            "roas": gmv / spend if spend else None,
        }


@router.get(
    "/campaigns/{ident}/daily",
    summary="A campaign's boosted traffic, credited purchases, GMV, spend and ROAS per day",
)
def campaign_daily(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> dict[str, Any]:
    _own_campaign(conn, actor, ident)
    report = _report(request)
    if report is None:
        return {"run": None, "campaign_id": ident, "days": [], "days_other": None}
    run = _run(report, model)
    assert run is not None
    rows = report.query(
        "SELECT * FROM {daily} WHERE model = ? AND key = ? ORDER BY day", [run["model"], str(ident)]
    )
    days, other = [day_json(r) for r in rows], None
    if actor.role != "operator":  # each released day covers k people; the rest sum to "other"
        if not _campaign_released(request, actor, report, ident):
            return {"run": run, "campaign_id": ident, "days": [], "days_other": None,
                    **_withheld(str(ident), _k(request))}  # fmt: skip
        days, other = gate.release_rows(days, _k(request))
    _cumulate(days)
    return {"run": run, "campaign_id": ident, "days": days, "days_other": other}


def visible_notes(conn: Connection, actor: Principal, ids: list[int]) -> set[int]:
    """Of ``ids``, the notes ``actor`` may read: operators every note; creators their own;
    brands their own notes and the notes they boost (campaigns), sponsor (collabs the creator
    accepted) or sell on
    (a mount of one of their offers). Other roles: 403."""
    _require_reader(actor, ("operator", "brand", "creator"))
    query = select(notes.c.id, notes.c.author_id).where(notes.c.id.in_(ids))
    authors: dict[int, int] = {n: a for n, a in conn.execute(query).all()}
    if actor.role == "operator":
        return set(authors)
    mine = {n for n, a in authors.items() if a == actor.account_id}
    rest = [n for n in authors if n not in mine]
    if actor.role == "brand" and rest:
        me = actor.account_id
        ties = union_all(
            select(campaign_notes.c.note_id)
            .join(campaigns, campaigns.c.id == campaign_notes.c.campaign_id)
            .where(campaign_notes.c.note_id.in_(rest), campaigns.c.brand_id == me),
            collabs.accepted(me, rest),
            select(link_mounts.c.note_id)
            .join(offers, offers.c.id == link_mounts.c.offer_id)
            .where(link_mounts.c.note_id.in_(rest), offers.c.owner_id == me),
        )
        mine |= set(conn.execute(ties).scalars())
    return mine


def _note_visible(conn: Connection, actor: Principal, ident: int) -> None:
    if ident not in visible_notes(conn, actor, [ident]):
        raise NotFound(not_found("note", ident))


MAX_NOTES = 1000
IdsQ = Query(..., description=f"Note ids (repeat `ids=`; at most {MAX_NOTES}).")


@router.get(
    "/notes",
    summary="The funnels of many notes at once: those of `ids` the caller may read (the rest "
    "are left out, as `/notes/{id}` would answer 404), each released as `/notes/{id}` releases it",
)
def notes_report(
    request: Request,
    actor: Actor,
    conn: Reader,
    ids: list[Id] = IdsQ,
    model: str | None = ModelQ,
) -> dict[str, Any]:
    if len(ids) > MAX_NOTES:
        raise InvalidInput(Msg("problem.invalid-input.note_ids", {"max": MAX_NOTES, "n": len(ids)}))
    visible = visible_notes(conn, actor, ids)
    report = _report(request)
    if report is None:
        return {"run": None, "notes": []}
    run = _run(report, model)
    assert run is not None
    rows = _funnel_rows(report, run["model"], "note", [str(n) for n in sorted(visible)])
    if actor.role != "operator":
        k = _k(request)
        rows = [gate.release_one(r, k) or _withheld(r["key"], k) for r in rows]
    return {"run": run, "notes": name_notes(conn, rows)}


@router.get("/notes/{ident}", summary="A note's funnel, and each model's credit to it")
def note_report(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> dict[str, Any]:
    _note_visible(conn, actor, ident)
    report = _report(request)
    if report is None:
        return {"run": None, "note_id": ident, "funnel": None, "models": []}
    run = _run(report, model)
    assert run is not None
    rows = _funnel_rows(report, run["model"], "note", [str(ident)])
    funnel = rows[0] if rows else None
    if actor.role != "operator" and gate.release_one(funnel, _k(request)) is None:
        return {"run": run, "note_id": ident, "funnel": None, "models": [],
                **_withheld(str(ident), _k(request))}  # fmt: skip
    return {
        "run": run,
        "note_id": ident,
        "funnel": name_notes(conn, [funnel])[0] if funnel else None,
        "models": _per_model(report, "note", str(ident)),
    }


@router.get("/scores", summary="Models scored against a simulated world's ground truth")
def scores(request: Request, actor: Actor) -> dict[str, Any]:
    _require_reader(actor, ("operator",))
    report = _report(request)
    if report is None:
        return {"run": None, "scores": []}
    rows = report.query("SELECT * FROM {scores} ORDER BY model")
    return {"run": _run(report, None), "scores": [{k: _num(v) for k, v in r.items()} for r in rows]}

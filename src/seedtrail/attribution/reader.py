"""The report reader: the published attribution report as a principal may read it.

Brands see their own campaigns and the notes they own, boost, sponsor or sell on, released as
the clean room releases joined figures (:mod:`seedtrail.cleanroom.gate`); creators their own
notes; operators everything. The API's routes (``GET /attribution/...``) and the dashboard's
pages both call these functions, so they answer with the same JSON and the same numbers.
Figures are read from the published report, never recomputed per request.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import Connection, select, union_all

from seedtrail.attribution import lift as lift_calc
from seedtrail.attribution import runs
from seedtrail.attribution.names import name_campaigns, name_notes
from seedtrail.attribution.report_json import (
    LiftJSON,
    ModelCredit,
    RowJSON,
    Run,
    cumulate,
    day_json,
    funnel_json,
    lift_json,
    num,
    per_model_json,
    run_json,
    withheld,
    withheld_reason,
)
from seedtrail.cleanroom import gate
from seedtrail.community import campaigns as campaign_res
from seedtrail.community import collabs
from seedtrail.core import resources
from seedtrail.core.errors import InvalidInput, NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.messages import N_, Msg
from seedtrail.store.repo import Row
from seedtrail.store.schema import campaign_notes, campaigns, link_mounts, notes, offers

MAX_NOTES = 1000


class Body(TypedDict, total=False):
    """A response body (docs/attribution-reports.md): the run it was read from, the ids asked
    for and the rows (their shapes in :mod:`seedtrail.attribution.report_json`). Which keys a
    response carries depends on the endpoint, and on whether the clean room withheld it."""

    run: Run | None
    windows_days: list[int]
    campaigns: list[RowJSON]
    campaign_id: int
    note_id: int
    funnel: RowJSON | None
    notes: list[RowJSON]
    notes_other: RowJSON | None
    k: int
    models: list[ModelCredit]
    lift: LiftJSON | None
    attributed: list[RowJSON]
    days: list[RowJSON]
    days_other: RowJSON | None
    scores: list[RowJSON]
    key: str
    withheld: str


@dataclass(frozen=True)
class Source:
    """Where a server reads reports from: its published runs, the clean room's k and the
    platform's holdout share (settings)."""

    reports: runs.Reports
    k: int
    holdout_share: float

    @classmethod
    def of(cls, state: Any) -> Source:
        """From an app's state (``state.reports`` and ``state.settings``), as the API and the
        dashboard keep them."""
        settings = state.settings
        return cls(state.reports, int(settings.cleanroom_k), float(settings.holdout_share))

    def latest(self) -> runs.StoredReport | None:
        """The published report (None before any); raises ReportOutdated for an old format."""
        return self.reports.latest()


def require_reader(actor: Principal, roles: tuple[str, ...]) -> None:
    if actor.role not in roles:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")


def own_campaign(conn: Connection, actor: Principal, ident: int) -> Row:
    """The campaign, if ``actor`` (an operator, or its brand) may read its report."""
    require_reader(actor, ("operator", "brand"))
    return resources.get(conn, campaign_res.RESOURCE, actor, ident)


def _withheld(body: Body, key: str, k: int) -> Body:
    """``body`` with the key of what the clean room withheld from it, and why."""
    body["key"], body["withheld"] = key, withheld_reason(k)
    return body


def funnel_rows(
    report: runs.StoredReport, model: str, dimension: str, keys: list[str] | None
) -> list[RowJSON]:
    """The funnel rows of ``dimension`` under ``model`` (only ``keys``, when given) as JSON."""
    if keys is not None and not keys:
        return []
    rows = report.query(
        "SELECT * FROM {funnel} WHERE model = ? AND dimension = ? "
        "AND (? OR list_contains(?::VARCHAR[], key)) ORDER BY key",
        [model, dimension, keys is None, keys or []],
    )
    return [funnel_json(r) for r in rows]


def _model_run(report: runs.StoredReport, model: str | None) -> Run:
    run = run_json(report, model)
    assert run is not None
    return run


def report_meta(src: Source, actor: Principal) -> Body:
    require_reader(actor, ("operator", "brand", "creator"))
    report = src.latest()
    if report is None:
        return {"run": None}
    return {"run": run_json(report, None), "windows_days": report.meta["windows_days"]}


def list_campaigns(src: Source, conn: Connection, actor: Principal, model: str | None) -> Body:
    """Each visible campaign's funnel (a brand: its own, each released or withheld under k)."""
    require_reader(actor, ("operator", "brand"))
    ids = None
    if actor.role == "brand":
        query = select(campaigns.c.id).where(campaigns.c.brand_id == actor.account_id)
        ids = [str(i) for i in conn.execute(query.order_by(campaigns.c.id)).scalars()]
    report = src.latest()
    if report is None:
        return {"run": None, "campaigns": []}
    run = _model_run(report, model)
    rows = _each_released(src, actor, funnel_rows(report, run["model"], "campaign", ids))
    return {"run": run, "campaigns": name_campaigns(conn, rows)}


def _each_released(src: Source, actor: Principal, rows: list[RowJSON]) -> list[RowJSON]:
    """The rows as ``actor`` may read them: each released on its own under the k rule, else
    withheld with the reason (operators: as they are)."""
    if actor.role == "operator":
        return rows
    return [gate.release_one(r, src.k) or withheld(str(r["key"]), src.k) for r in rows]


def campaign_funnel(
    src: Source, conn: Connection, actor: Principal, ident: int, model: str | None
) -> Body:
    """A campaign's funnel and the funnel of each of its notes."""
    own_campaign(conn, actor, ident)
    query = (
        select(campaign_notes.c.note_id)
        .where(campaign_notes.c.campaign_id == ident)
        .order_by(campaign_notes.c.note_id)
    )
    note_ids = [str(n) for n in conn.execute(query).scalars()]
    report = src.latest()
    if report is None:
        return {"run": None, "campaign_id": ident, "funnel": None, "notes": []}
    run = _model_run(report, model)
    rows = funnel_rows(report, run["model"], "campaign", [str(ident)])
    funnel = rows[0] if rows else None
    notes_rows = funnel_rows(report, run["model"], "note", note_ids)
    other = None
    if actor.role != "operator":  # brands read joined figures only as the clean room releases
        funnel = gate.release_one(funnel, src.k)
        notes_rows, other = gate.release_rows(notes_rows, src.k)
    return {
        "run": run,
        "campaign_id": ident,
        "funnel": funnel,
        "notes": name_notes(conn, notes_rows),
        "notes_other": other,
        "k": src.k,
    }


def campaign_released(src: Source, actor: Principal, report: runs.StoredReport, ident: int) -> bool:
    """Whether ``actor`` may see campaign-level figures: its reach is at least k."""
    if actor.role == "operator":
        return True
    rows = report.query(
        "SELECT people FROM {funnel} WHERE dimension = 'campaign' AND key = ? LIMIT 1", [str(ident)]
    )
    return bool(rows) and int(rows[0]["people"] or 0) >= src.k


def _per_model(report: runs.StoredReport, dimension: str, key: str) -> list[ModelCredit]:
    rows = report.query(
        "SELECT * FROM {funnel} WHERE dimension = ? AND key = ? ORDER BY model", [dimension, key]
    )
    return [per_model_json(r) for r in rows]


def campaign_models(src: Source, conn: Connection, actor: Principal, ident: int) -> Body:
    """Each model's credit to a campaign, side by side."""
    own_campaign(conn, actor, ident)
    report = src.latest()
    if report is None:
        return {"run": None, "campaign_id": ident, "models": []}
    run = run_json(report, None)
    if not campaign_released(src, actor, report, ident):
        return _withheld({"run": run, "campaign_id": ident, "models": []}, str(ident), src.k)
    return {"run": run, "campaign_id": ident, "models": _per_model(report, "campaign", str(ident))}


def campaign_lift(src: Source, conn: Connection, actor: Principal, ident: int) -> Body:
    """A campaign's holdout lift beside each model's attributed figures."""
    own_campaign(conn, actor, ident)
    report = src.latest()
    if report is None:
        return {"run": None, "campaign_id": ident, "lift": None, "attributed": []}
    if not campaign_released(src, actor, report, ident):
        body: Body = {"run": run_json(report, None), "campaign_id": ident, "lift": None,
                      "attributed": []}  # fmt: skip
        return _withheld(body, str(ident), src.k)
    key = str(ident)
    rows = report.query("SELECT * FROM {lift} WHERE key = ?", [key])
    lift = lift_json(rows[0]) if rows else None
    if lift is not None:  # the share this campaign's measured reach and baseline would need
        r = rows[0]
        lift["holdout_advice"] = lift_calc.advice(
            int(r["viewers_exposed"] + r["viewers_holdout"]),
            float(r["purchases_per_viewer_holdout"] or 0.0),
            src.holdout_share,
        )
    attributed = [
        {k: num(v) for k, v in r.items() if k != "key"}
        for r in report.query("SELECT * FROM {lift_models} WHERE key = ? ORDER BY model", [key])
    ]
    run = run_json(report, None)
    return {"run": run, "campaign_id": ident, "lift": lift, "attributed": attributed}


def campaign_daily(
    src: Source, conn: Connection, actor: Principal, ident: int, model: str | None
) -> Body:
    """A campaign's boosted traffic, credited purchases, GMV, spend and ROAS per day."""
    own_campaign(conn, actor, ident)
    report = src.latest()
    if report is None:
        return {"run": None, "campaign_id": ident, "days": [], "days_other": None}
    run = _model_run(report, model)
    rows = report.query(
        "SELECT * FROM {daily} WHERE model = ? AND key = ? ORDER BY day", [run["model"], str(ident)]
    )
    days, other = [day_json(r) for r in rows], None
    if actor.role != "operator":  # each released day covers k people; the rest sum to "other"
        if not campaign_released(src, actor, report, ident):
            body: Body = {"run": run, "campaign_id": ident, "days": [], "days_other": None}
            return _withheld(body, str(ident), src.k)
        days, other = gate.release_rows(days, src.k)
    cumulate(days)
    return {"run": run, "campaign_id": ident, "days": days, "days_other": other}


def visible_notes(conn: Connection, actor: Principal, ids: list[int]) -> set[int]:
    """Of ``ids``, the notes ``actor`` may read: operators every note; creators their own;
    brands their own notes and the notes they boost (campaigns), sponsor (collabs the creator
    accepted) or sell on
    (a mount of one of their offers). Other roles: 403."""
    require_reader(actor, ("operator", "brand", "creator"))
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


def notes_report(
    src: Source, conn: Connection, actor: Principal, ids: list[int], model: str | None
) -> Body:
    """The funnels of the notes of ``ids`` that ``actor`` may read (the rest are left out),
    each released as :func:`note_report` releases it."""
    if len(ids) > MAX_NOTES:
        raise InvalidInput(Msg("problem.invalid-input.note_ids", {"max": MAX_NOTES, "n": len(ids)}))
    visible = visible_notes(conn, actor, ids)
    report = src.latest()
    if report is None:
        return {"run": None, "notes": []}
    run = _model_run(report, model)
    keys = [str(n) for n in sorted(visible)]
    rows = _each_released(src, actor, funnel_rows(report, run["model"], "note", keys))
    return {"run": run, "notes": name_notes(conn, rows)}


def note_report(
    src: Source, conn: Connection, actor: Principal, ident: int, model: str | None
) -> Body:
    """A note's funnel, and each model's credit to it (404 for a note ``actor`` may not read)."""
    if ident not in visible_notes(conn, actor, [ident]):
        raise NotFound(not_found("note", ident))
    report = src.latest()
    if report is None:
        return {"run": None, "note_id": ident, "funnel": None, "models": []}
    run = _model_run(report, model)
    rows = funnel_rows(report, run["model"], "note", [str(ident)])
    funnel = rows[0] if rows else None
    if actor.role != "operator" and gate.release_one(funnel, src.k) is None:
        body: Body = {"run": run, "note_id": ident, "funnel": None, "models": []}
        return _withheld(body, str(ident), src.k)
    return {
        "run": run,
        "note_id": ident,
        "funnel": name_notes(conn, [funnel])[0] if funnel else None,
        "models": _per_model(report, "note", str(ident)),
    }


def scores(src: Source, actor: Principal) -> Body:
    """Models scored against a simulated world's ground truth (operators only)."""
    require_reader(actor, ("operator",))
    report = src.latest()
    if report is None:
        return {"run": None, "scores": []}
    rows = report.query("SELECT * FROM {scores} ORDER BY model")
    return {
        "run": run_json(report, None),
        "scores": [{k: num(v) for k, v in r.items()} for r in rows],
    }

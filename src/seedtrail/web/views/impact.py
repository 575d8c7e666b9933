"""The operator's policy impact page: past rule changes from the audit log and proposed changes
simulated with ``seedtrail policy impact --save``, each with its impact table and charts (the
same figures ``GET /policy/changes/{id}/impact`` and ``GET /policy/studies/{id}`` return)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from seedtrail.attribution import metrics
from seedtrail.core.errors import InvalidInput
from seedtrail.impact import change as changes
from seedtrail.impact import history, studies
from seedtrail.impact.report import ImpactReport, measure_deployment
from seedtrail.lake.layout import Lake
from seedtrail.links import partners
from seedtrail.messages import Msg
from seedtrail.web import charts
from seedtrail.web.render import Ctx, page, redirect


@page
def impact_page(ctx: Ctx) -> Response:
    history.require_reader(ctx.user)
    span = history.lake_span(Lake(ctx.web.settings.effective_lake_url))
    with ctx.web.store.read() as conn:
        past = history.past(conn, span)
        names = partners.names(conn)
    proposed = studies.listing(ctx.web.settings.data_dir)
    return ctx.render(
        "impact.html", past=past, proposed=proposed, form=ctx.query, partner_names=names
    )


def _curves(ctx: Ctx, report: ImpactReport) -> dict[str, Any]:
    out = {}
    for outcome, curve in report.curves.items():
        unit = metrics.get(outcome)
        treated = list(zip(curve.days, curve.treated, strict=True))
        had = list(zip(curve.days, curve.counterfactual, strict=True))
        out[outcome] = charts.line(
            [
                charts.Series(ctx.t("impact.treated_series"), treated),
                charts.Series(ctx.t("impact.counterfactual_series"), had),
            ],
            label=ctx.m(outcome),
            digits=unit.digits,
        )
    return out


def _level(ctx: Ctx) -> float:
    raw = ctx.query.get("level") or "0.9"
    try:
        return float(raw)
    except ValueError as exc:
        raise InvalidInput(Msg("problem.invalid-input.impact_level", {"value": raw})) from exc


def _report_page(ctx: Ctx, report: ImpactReport, entry_id: int | None, source: str) -> Response:
    """``source`` is the API request returning the same figures (the page names it)."""
    with ctx.web.store.read() as conn:
        names = partners.names(conn)
    return ctx.render(
        "impact_report.html",
        report=report,
        entry_id=entry_id,
        source=source,
        charts=_curves(ctx, report),
        is_money=lambda name: metrics.get(name).unit == "CNY",
        partner_names=names,
    )


@page
def change_page(ctx: Ctx) -> Response:
    history.require_reader(ctx.user)
    entry_id = ctx.ident
    with ctx.web.store.read() as conn:
        found = changes.from_audit(conn, entry_id)
    report = measure_deployment(ctx.web.settings, ctx.web.store, found, level=_level(ctx))
    level = ctx.query.get("level")
    source = f"/policy/changes/{entry_id}/impact" + (
        f"?{urlencode({'level': level})}" if level else ""
    )
    return _report_page(ctx, report, entry_id, source)


@page
def stated_page(ctx: Ctx) -> Response:
    history.require_reader(ctx.user)
    q = ctx.query
    if not q.get("at") and not q.get("treated"):  # nothing stated yet: the form
        return redirect("/ui/operator/impact")
    found = changes.stated(q.get("at", ""), q.get("treated", ""), q.get("dimension", "category"))
    report = measure_deployment(ctx.web.settings, ctx.web.store, found, level=_level(ctx))
    keep = {k: q[k] for k in ("at", "treated", "dimension", "level") if q.get(k)}
    return _report_page(ctx, report, None, f"/policy/impact?{urlencode(keep)}")


@page
def study_page(ctx: Ctx) -> Response:
    history.require_reader(ctx.user)
    study = studies.load(ctx.web.settings.data_dir, ctx.request.path_params["ident"])
    return ctx.render(
        "impact_study.html",
        study=study,
        is_money=lambda name: metrics.get(name).unit == "CNY",
    )

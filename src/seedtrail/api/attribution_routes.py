"""Attribution reports for brands and operators, read from the published report (never
recomputed per request). Brands see their own campaigns and the notes they own, boost,
sponsor or sell on; creators their own notes; operators everything.

The routes are thin: the reading, visibility and clean-room release live in
:mod:`seedtrail.attribution.reader`, which the dashboard calls too.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from seedtrail.api.deps import Actor, Body, Reader
from seedtrail.attribution import lift as lift_calc
from seedtrail.attribution import metrics, reader
from seedtrail.store.types import Id

router = APIRouter(prefix="/attribution", tags=["attribution"])
ModelQ = Query(None, description="Attribution model; default the report's primary model.")


def source(request: Request) -> reader.Source:
    """The app's published reports and the settings that release them."""
    return reader.Source.of(request.app.state)


@router.get(
    "/metrics",
    summary="The metric registry: every figure's labels, definition, unit, "
    "denominator, and the methods of the intervals",
)
def metric_registry(actor: Actor) -> Body:
    reader.require_reader(actor, ("operator", "brand", "creator"))
    return metrics.registry_json()


@router.get("/report", summary="The published attribution report: run, models, windows")
def report_meta(request: Request, actor: Actor) -> Body:
    return reader.report_meta(source(request), actor)


@router.get(
    "/campaigns",
    summary="Funnel of each visible campaign's boosted traffic (operators also see `none`, "
    "the traffic no boost brought)",
)
def list_campaigns(
    request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> Body:
    return reader.list_campaigns(source(request), conn, actor, model)


@router.get("/campaigns/{ident}", summary="A campaign's funnel and the funnel of each of its notes")
def campaign_funnel(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> Body:
    return reader.campaign_funnel(source(request), conn, actor, ident, model)


@router.get("/campaigns/{ident}/models", summary="Each model's credit to a campaign, side by side")
def campaign_models(ident: Id, request: Request, actor: Actor, conn: Reader) -> Body:
    return reader.campaign_models(source(request), conn, actor, ident)


@router.get("/campaigns/{ident}/lift", summary="Holdout lift of a campaign beside attribution")
def campaign_lift(ident: Id, request: Request, actor: Actor, conn: Reader) -> Body:
    return reader.campaign_lift(source(request), conn, actor, ident)


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
) -> Body:
    reader.require_reader(actor, ("operator", "brand"))
    share = lift_calc.holdout_share(reach, baseline, lift, power)
    current = source(request).holdout_share
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


@router.get(
    "/campaigns/{ident}/daily",
    summary="A campaign's boosted traffic, credited purchases, GMV, spend and ROAS per day",
)
def campaign_daily(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> Body:
    return reader.campaign_daily(source(request), conn, actor, ident, model)


IdsQ = Query(..., description=f"Note ids (repeat `ids=`; at most {reader.MAX_NOTES}).")


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
) -> Body:
    return reader.notes_report(source(request), conn, actor, ids, model)


@router.get("/notes/{ident}", summary="A note's funnel, and each model's credit to it")
def note_report(
    ident: Id, request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ
) -> Body:
    return reader.note_report(source(request), conn, actor, ident, model)


@router.get("/scores", summary="Models scored against a simulated world's ground truth")
def scores(request: Request, actor: Actor) -> Body:
    return reader.scores(source(request), actor)

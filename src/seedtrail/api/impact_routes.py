"""Policy impact for operators: past rule changes from the audit log with what each one did to
counted clicks and shop GMV (difference in differences on the deployment's own data), a change
stated by hand, and proposed changes simulated and kept (``seedtrail policy impact --save``).
The same estimator and figures as ``seedtrail policy impact`` (docs/impact.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from seedtrail.api.deps import Actor, Body, Reader, StoreDep
from seedtrail.api.problems import language
from seedtrail.core.settings import Settings
from seedtrail.impact import change as changes
from seedtrail.impact import history, studies
from seedtrail.impact.panel import OUTCOMES, Outcome
from seedtrail.impact.report import measure_deployment
from seedtrail.lake.layout import Lake
from seedtrail.store.types import Id

router = APIRouter(tags=["impact"])
LevelQ = Query(0.9, ge=0.5, lt=1.0, description="Interval level.")
OutcomeQ = Query(description=f"Figures (repeat); default all: {', '.join(OUTCOMES)}.")


@router.get("/policy/changes", summary="Past policy changes (audit log) and kept simulations")
def policy_changes(request: Request, actor: Actor, conn: Reader) -> Body:
    history.require_reader(actor)
    settings: Settings = request.app.state.settings
    lang = language(request)
    span = history.lake_span(Lake(settings.effective_lake_url))
    return {
        "past": [p.to_dict(lang) for p in history.past(conn, span)],
        "proposed": studies.listing(settings.data_dir),
    }


@router.get(
    "/policy/changes/{entry_id}/impact",
    summary="What a past policy change did (difference in differences, with intervals)",
)
def change_impact(
    entry_id: Id,
    request: Request,
    actor: Actor,
    store: StoreDep,
    level: float = LevelQ,
    outcome: Annotated[list[Outcome] | None, OutcomeQ] = None,
) -> Body:
    history.require_reader(actor)
    with store.read() as conn:
        found = changes.from_audit(conn, entry_id)
    settings: Settings = request.app.state.settings
    outcomes = tuple(outcome) if outcome else OUTCOMES
    return measure_deployment(settings, store, found, outcomes, level).to_dict()


@router.get("/policy/impact", summary="What a change stated by hand did (day and units touched)")
def stated_impact(
    request: Request,
    actor: Actor,
    store: StoreDep,
    at: Annotated[str, Query(max_length=32, description="First day after the change.")],
    treated: Annotated[str, Query(max_length=1000, description="Touched units, comma-separated.")],
    dimension: Literal["category", "partner"] = "category",
    level: float = LevelQ,
    outcome: Annotated[list[Outcome] | None, OutcomeQ] = None,
) -> Body:
    history.require_reader(actor)
    found = changes.stated(at, treated, dimension)
    settings: Settings = request.app.state.settings
    outcomes = tuple(outcome) if outcome else OUTCOMES
    return measure_deployment(settings, store, found, outcomes, level).to_dict()


@router.get("/policy/studies/{study_id}", summary="A kept simulation of a proposed change")
def study(
    study_id: Annotated[str, Path(min_length=1, max_length=64)], request: Request, actor: Actor
) -> Body:
    history.require_reader(actor)
    settings: Settings = request.app.state.settings
    return studies.load(settings.data_dir, study_id)

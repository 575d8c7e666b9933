"""The clean room's front door for brands and shops: pre-registered report templates, released
under the k-threshold or differential privacy, over the rows the clean room built. Nobody gets
rows; a brand asks only about its own campaigns, a shop only about campaigns whose notes carry
links to its offers."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from seedtrail.api.deps import Actor, Bodies, Body, StoreDep
from seedtrail.cleanroom.export import release_table
from seedtrail.cleanroom.report import release_audited
from seedtrail.cleanroom.rows import load_rows
from seedtrail.cleanroom.templates import TEMPLATES, ReportRequest
from seedtrail.core.errors import Forbidden, NotFound, not_found
from seedtrail.core.principals import Principal
from seedtrail.core.settings import Settings
from seedtrail.messages import Msg, term
from seedtrail.store.schema import campaign_notes, campaign_spend, campaigns, link_mounts, notes
from seedtrail.store.schema import offers as offers_table
from seedtrail.store.types import Id

router = APIRouter(prefix="/cleanroom", tags=["clean room"])
ASKERS = ("operator", "brand", "partner")


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no filters: a request names only these

    template: str = Field(description="A template from GET /cleanroom/templates")
    campaign_id: Id
    period_start: date = Field(description="The Monday that starts the 7-day period")
    dp: bool = False
    epsilon: float | None = Field(default=None, gt=0)


@router.get("/templates", summary="The report templates brands and shops may ask for")
def list_templates(actor: Actor) -> Bodies:
    _may_ask(actor)
    return [
        {
            "name": t.name,
            "description": t.description,
            "levels": list(t.levels),
            "measures": [m.name for m in t.measures],
            "ratios": [r.name for r in t.ratios],
        }
        for t in TEMPLATES.values()
    ]


@router.post("/reports", summary="Release a report (k-threshold, or DP under a budget)")
def report(body: ReportIn, actor: Actor, store: StoreDep, request: Request) -> Body:
    _may_ask(actor)
    settings: Settings = request.app.state.settings
    # Charge, freeze and audit in one transaction, committed before any cell goes out.
    with store.transaction() as conn:
        brand_id = _campaign_brand(conn, actor, body.campaign_id)
        req = ReportRequest(
            body.template,
            f"brand:{brand_id}",
            body.campaign_id,
            body.period_start,
            dp=body.dp,
            epsilon=body.epsilon,
        )
        spec = req.check()
        rows = load_rows(settings.data_dir)
        release, audit_id = release_audited(conn, rows, req, settings, actor=actor.label)
        spend = _spend(conn, body.campaign_id, body.period_start) if spec.needs_spend else None
    table = release_table(release, spend)
    return {
        "template": spec.name,
        "campaign_id": body.campaign_id,
        "period_start": body.period_start.isoformat(),
        "levels": list(spec.levels),
        "rule": release.rule,
        "cells": table.to_pylist(),
        "asked_by": actor.label,
        "release_id": release.release_id,
        "audit_id": audit_id,
    }


def _may_ask(actor: Principal) -> None:
    if actor.role not in ASKERS:
        raise Forbidden(Msg("problem.forbidden.cleanroom", {"role": term("role", actor.role)}))


def _campaign_brand(conn: Connection, actor: Principal, campaign_id: int) -> int:
    brand_id = conn.execute(
        select(campaigns.c.brand_id).where(campaigns.c.id == campaign_id)
    ).scalar()
    hidden = NotFound(not_found("campaign", campaign_id))
    if brand_id is None:
        raise hidden
    if actor.role == "brand" and brand_id != actor.account_id:
        raise hidden
    if actor.role == "partner":
        carried = conn.execute(
            select(link_mounts.c.id)
            .join(offers_table, offers_table.c.id == link_mounts.c.offer_id)
            .join(campaign_notes, campaign_notes.c.note_id == link_mounts.c.note_id)
            .where(
                campaign_notes.c.campaign_id == campaign_id,
                offers_table.c.partner_id == actor.partner_id,
            )
            .limit(1)
        ).first()
        if carried is None:
            raise hidden
    return int(brand_id)


def _spend(conn: Connection, campaign_id: int, start: date) -> dict[tuple[str, ...], float]:
    """The brand's boost spend in the period per (creator, note): the roas template's finest
    cells (under the campaign)."""
    rows = conn.execute(
        select(campaign_spend.c.note_id, notes.c.author_id, campaign_spend.c.amount)
        .join(notes, notes.c.id == campaign_spend.c.note_id)
        .where(
            campaign_spend.c.campaign_id == campaign_id,
            campaign_spend.c.day >= start,
            campaign_spend.c.day < start + timedelta(days=7),
        )
    )
    out: dict[tuple[str, ...], float] = {}
    for note_id, creator_id, amount in rows:
        key = (str(creator_id), str(note_id))
        out[key] = out.get(key, 0.0) + float(amount)
    return out

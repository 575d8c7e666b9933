"""Buyers' (买手) commission statements (:mod:`seedtrail.attribution.commission`).

``GET /buyers/{id}/commission?since=D&until=D``: for the days ``since`` to ``until`` (UTC, both
included), the buyer's orders, GMV, refunds, net GMV, commission rate and commission due, per
partner and in total. An operator reads any buyer's; a buyer (a creator-role key on the buyer's
account) its own; everyone else 403. JSON shape: docs/attribution-reports.md."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request

from seedtrail.api.deps import Actor, Body, Reader
from seedtrail.attribution import commission
from seedtrail.store.types import Id

router = APIRouter(tags=["buyers"])


@router.get(
    "/buyers/{ident}/commission",
    summary="A buyer's commission statement: orders, GMV, refunds and commission due",
)
def commission_statement(
    ident: Id,
    request: Request,
    actor: Actor,
    conn: Reader,
    since: date = Query(description="First day of the period (UTC)"),
    until: date = Query(description="Last day of the period (UTC), included"),
) -> Body:
    commission.require_reader(actor, ident)
    lake_url = str(request.app.state.settings.effective_lake_url)
    return commission.statement(conn, lake_url, ident, since, until)

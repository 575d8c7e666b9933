"""The moderator queue and enforcement: cases with evidence, actions, reversals, appeals.

Moderators and operators see and act on every case; a creator or brand sees the cases about
their own account, notes and comments, and appeals them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from seedtrail.api.deps import Actor, Bodies, Body, Reader, Writer
from seedtrail.api.pages import Cursor, Offset, respond
from seedtrail.enforcement import actions, appeals, cases, distribution, groups, queue
from seedtrail.store import paging
from seedtrail.store.types import Id

router = APIRouter(tags=["enforcement"])


@router.get(
    "/cases",
    summary="The moderator queue: by severity, then reach; next page by the Link header's cursor",
)
def queue_page(
    request: Request,
    response: Response,
    actor: Actor,
    conn: Reader,
    status: Literal["open", "actioned", "dismissed", "appealed", "overturned"] | None = None,
    detector: str | None = None,
    subject_type: Literal["account", "note", "comment", "campaign"] | None = None,
    subject_id: Id | None = None,
    owner_account_id: Id | None = None,
    parent_id: Id | None = Query(None, description="A campaign's members"),
    min_severity: int | None = Query(None, ge=1, le=4),
    group_key: str | None = None,
    limit: int = Query(100, ge=1, le=paging.MAX_LIMIT),
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Bodies:
    filters = {
        "status": status,
        "detector": detector,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "owner_account_id": owner_account_id,
        "parent_id": parent_id,
    }
    page = queue.page(
        conn,
        actor,
        filters,
        min_severity=min_severity,
        group_key=group_key,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return respond(request, response, page)


@router.post("/cases", status_code=201, summary="Open a case by hand")
def open_case(body: cases.CaseIn, actor: Actor, conn: Writer) -> Body:
    return cases.open_manual(conn, actor, body)


@router.get("/cases/{ident}", summary="A case with its evidence, actions and appeal")
def case_detail(ident: Id, actor: Actor, conn: Reader) -> Body:
    out = cases.detail(conn, actor, ident)
    if actor.role in cases.STAFF:
        out["allowed_actions"] = actions.offered(conn, out)
        out["group_actions"] = actions.group_offered(out)
    return out


@router.post("/cases/{ident}/actions", status_code=201, summary="Act on a case's subject")
def act(ident: Id, body: actions.ActionIn, actor: Actor, conn: Writer) -> Body:
    return actions.take(conn, actor, ident, body.action, body.reason)


@router.post(
    "/cases/groups/{group_key}/actions",
    status_code=201,
    summary="Act on every case of a group (a campaign's members) at once",
)
def act_on_group(
    group_key: Annotated[str, Path(min_length=1, max_length=64)],
    body: groups.GroupActionIn,
    actor: Actor,
    conn: Writer,
) -> Body:
    return groups.take(conn, actor, group_key, body.action, body.reason)


class Reason(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/cases/{ident}/dismiss", summary="Close a case without action")
def dismiss(ident: Id, body: Reason, actor: Actor, conn: Writer) -> Body:
    return cases.dismiss(conn, actor, ident, body.reason)


@router.post("/actions/{ident}/reverse", summary="Reverse an action, restoring the prior state")
def reverse(ident: Id, body: Reason, actor: Actor, conn: Writer) -> Body:
    return actions.reverse(conn, actor, ident, body.reason)


@router.post("/cases/{ident}/appeal", status_code=201, summary="Appeal a case (its owner)")
def appeal(ident: Id, body: appeals.AppealIn, actor: Actor, conn: Writer) -> Body:
    return appeals.file(conn, actor, ident, body.statement)


@router.post("/appeals/{ident}/decision", summary="Uphold or overturn an appeal")
def decide(ident: Id, body: appeals.DecisionIn, actor: Actor, conn: Writer) -> Body:
    return appeals.decide(conn, actor, ident, body.outcome, body.reason)


@router.get(
    "/distribution/notes",
    summary="How far notes are distributed (the feed's input): full, reduced when throttled, none",
)
def notes_distribution(
    actor: Actor,
    conn: Reader,
    ids: Annotated[list[int], Query(min_length=1, max_length=distribution.MAX_NOTES)],
) -> Bodies:
    return distribution.for_notes(conn, actor, ids)

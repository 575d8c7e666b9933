"""Routes beyond plain CRUD for the community: campaign notes and spend, API keys.
(Enforcement lives in ``cases_routes``.)"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seedtrail.api.deps import Actor, Bodies, Body, Reader, Writer
from seedtrail.community import campaigns, collabs
from seedtrail.core import principals, resources
from seedtrail.core.errors import Forbidden, forbidden
from seedtrail.messages import N_, Msg
from seedtrail.store import audit
from seedtrail.store.types import Id

router = APIRouter()


class NoteIds(BaseModel):
    note_ids: list[Id] = Field(min_length=1, max_length=1000)


@router.post("/campaigns/{ident}/notes", tags=["campaigns"], summary="Add notes to a campaign")
def add_notes(ident: Id, body: NoteIds, actor: Actor, conn: Writer) -> Body:
    row = resources.get(conn, campaigns.RESOURCE, actor, ident)
    if actor.role not in ("operator", "brand"):
        raise forbidden(actor.role, N_("problem.forbidden.change"), "campaigns")
    return {
        "campaign_id": row["id"],
        "note_ids": campaigns.add_notes(conn, actor, ident, body.note_ids),
    }


@router.post(
    "/collabs/{ident}/accept",
    tags=["collabs"],
    summary="The creator accepts a brand's collab registration on her note (then it counts)",
)
def accept_collab(ident: Id, actor: Actor, conn: Writer) -> Body:
    return collabs.accept(conn, actor, ident)


@router.put(
    "/campaigns/{ident}/spend",
    tags=["campaigns"],
    summary="Set the boost spend of one note on one day",
)
def set_spend(ident: Id, body: campaigns.SpendIn, actor: Actor, conn: Writer) -> Body:
    resources.get(conn, campaigns.RESOURCE, actor, ident)
    if actor.role not in ("operator", "brand"):
        raise forbidden(actor.role, N_("problem.forbidden.change"), "campaigns")
    campaigns.set_spend(conn, actor, ident, body)
    return {"campaign_id": ident, **body.model_dump(mode="json")}


@router.get("/campaigns/{ident}/spend", tags=["campaigns"], summary="Boost spend per note/day")
def get_spend(ident: Id, actor: Actor, conn: Reader) -> Bodies:
    resources.get(conn, campaigns.RESOURCE, actor, ident)
    return campaigns.spend_rows(conn, ident)


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["operator", "brand", "creator", "partner", "moderator"]
    account_id: Id | None = None
    partner_id: Id | None = None


@router.post("/keys", status_code=201, tags=["access"], summary="Create an API key (shown once)")
def create_key(body: KeyIn, actor: Actor, conn: Writer) -> Body:
    if actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.create_keys"))
    principal, key = principals.create(conn, **body.model_dump())
    audit.record(
        conn,
        actor=actor.label,
        action="key.create",
        object_type="principal",
        object_id=principal.id,
        after={"name": principal.name, "role": principal.role},
    )
    return {"id": principal.id, "name": principal.name, "role": principal.role, "key": key}


@router.delete("/keys/{ident}", tags=["access"], summary="Revoke an API key")
def revoke_key(ident: Id, actor: Actor, conn: Writer) -> Body:
    if actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.revoke_keys"))
    row = principals.revoke(conn, ident)
    audit.record(
        conn, actor=actor.label, action="key.revoke", object_type="principal", object_id=ident
    )
    return {"id": row["id"], "revoked_at": row["revoked_at"]}

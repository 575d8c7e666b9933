"""Collab registrations: a brand's registered paid collaboration with a creator on a note."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, select

from seedtrail.errors import InvalidInput
from seedtrail.principals import Principal
from seedtrail.resources import Resource, own_account, owned_by
from seedtrail.store.schema import accounts, collab_registrations, notes


class CollabIn(BaseModel):
    brand_id: int | None = None
    creator_id: int
    note_id: int


class CollabPatch(BaseModel):
    status: Literal["active", "revoked"]


def _prepare(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    if actor.role == "creator":
        raise InvalidInput("collabs are registered by the brand")
    v["brand_id"] = own_account(actor, v.get("brand_id"), field_name="brand_id")
    query = select(accounts.c.id, accounts.c.kind).where(
        accounts.c.id.in_([v["brand_id"], v["creator_id"]])
    )
    kinds: dict[int, str] = {row.id: row.kind for row in conn.execute(query)}
    if kinds.get(v["brand_id"]) not in ("brand", "enterprise"):
        raise InvalidInput(f"account {v['brand_id']} is not a brand or enterprise account")
    if kinds.get(v["creator_id"]) != "creator":
        raise InvalidInput(f"account {v['creator_id']} is not a creator")
    author = conn.execute(select(notes.c.author_id).where(notes.c.id == v["note_id"])).scalar()
    if author != v["creator_id"]:
        raise InvalidInput(f"note {v['note_id']} is not by creator {v['creator_id']}")
    v["status"] = "active"
    return v


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    return owned_by(actor, collab_registrations.c.brand_id, collab_registrations.c.creator_id)


RESOURCE = Resource(
    name="collabs",
    noun="collab",
    table=collab_registrations,
    create_model=CollabIn,
    update_model=CollabPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator"}),
    create_roles=frozenset({"operator", "brand"}),
    update_roles=frozenset({"operator", "brand"}),
    scope=_scope,
    prepare=_prepare,
    policy_fields=frozenset({"status"}),
    policy_on_create=True,
    filters=("brand_id", "creator_id", "note_id", "status"),
)

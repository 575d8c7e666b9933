"""Accounts: creators, brands and enterprise accounts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement

from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, owned_by
from seedtrail.store.schema import accounts
from seedtrail.store.types import Count

Kind = Literal["creator", "brand", "enterprise"]
Status = Literal["active", "suspended", "banned"]


class AccountIn(BaseModel):
    handle: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    kind: Kind
    follower_count: Count = 0
    verified: bool = False
    status: Status = "active"


class AccountPatch(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    follower_count: Count | None = None
    verified: bool | None = None
    status: Status | None = None


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    return owned_by(actor, accounts.c.id)


RESOURCE = Resource(
    name="accounts",
    noun="account",
    table=accounts,
    create_model=AccountIn,
    update_model=AccountPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator"}),
    create_roles=frozenset({"operator"}),
    update_roles=frozenset({"operator"}),
    scope=_scope,
    policy_fields=frozenset({"follower_count", "verified", "status"}),
    filters=("kind", "status", "verified"),
    moderator_fields=frozenset({"status"}),
)

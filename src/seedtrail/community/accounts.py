"""Accounts: creators, brands, enterprise accounts and buyers (买手: who sell others' products
through links for a commission, ``commission_rate`` of the GMV their links bring)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection

from seedtrail.core.errors import InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, owned_by
from seedtrail.messages import Msg
from seedtrail.store.schema import accounts
from seedtrail.store.types import Count

Kind = Literal["creator", "brand", "enterprise", "buyer"]
Status = Literal["active", "suspended", "banned"]


class AccountIn(BaseModel):
    handle: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    kind: Kind
    follower_count: Count = 0
    verified: bool = False
    status: Status = "active"
    commission_rate: float | None = Field(
        default=None, ge=0, lt=1, description="A buyer's commission on the GMV its links bring"
    )


class AccountPatch(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    follower_count: Count | None = None
    verified: bool | None = None
    status: Status | None = None
    commission_rate: float | None = Field(default=None, ge=0, lt=1)


def _buyer_only(kind: str, values: dict[str, object]) -> dict[str, object]:
    if values.get("commission_rate") is not None and kind != "buyer":
        raise InvalidInput(Msg("problem.invalid-input.commission_not_buyer", {"kind": kind}))
    return values


def _prepare(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    return _buyer_only(v["kind"], v)


def _check(
    conn: Connection, actor: Principal, before: dict[str, Any], v: dict[str, Any]
) -> dict[str, object]:
    return _buyer_only(before["kind"], v)


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
    prepare=_prepare,
    check_update=_check,
    policy_fields=frozenset({"follower_count", "verified", "status"}),
    filters=("kind", "status", "verified"),
    moderator_fields=frozenset({"status"}),
    terms={"kind": "kind", "status": "state"},
)

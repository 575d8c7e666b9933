"""Offers: a partner's item (by id or URL) with a title and price, owned by a brand or creator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, Connection

from seedtrail.community.notes import Category
from seedtrail.core.errors import InvalidValue
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, own_account, owned_by
from seedtrail.links import destinations
from seedtrail.links import partners as partners_mod
from seedtrail.messages import Msg
from seedtrail.store.schema import offers
from seedtrail.store.types import Id


class OfferIn(BaseModel):
    partner_id: Id
    owner_id: Id | None = None
    item_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-]+$"
    )
    url: str | None = Field(default=None, max_length=2000)
    title: str = Field(min_length=1, max_length=200)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    category: Category

    @model_validator(mode="after")
    def _item_or_url(self) -> OfferIn:
        if not self.item_id and not self.url:
            raise InvalidValue(Msg("invalid.item_or_url"))
        return self


class OfferPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    url: str | None = Field(default=None, max_length=2000)
    status: Literal["active", "inactive"] | None = None


def _prepare(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    v["owner_id"] = own_account(actor, v.get("owner_id"), field_name="owner_id")
    partner = partners_mod.RESOURCE.repo.get(conn, v["partner_id"])
    destinations.build_target(partner, v)  # refuses unsafe or off-host destinations
    v["status"] = "active"
    return v


def _check(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    if "url" in v:
        partner = partners_mod.RESOURCE.repo.get(conn, before["partner_id"])
        destinations.build_target(partner, {**before, **v})
    return v


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    if actor.role == "partner":
        return offers.c.partner_id == actor.partner_id
    return owned_by(actor, offers.c.owner_id)


RESOURCE = Resource(
    name="offers",
    noun="offer",
    table=offers,
    create_model=OfferIn,
    update_model=OfferPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator", "partner"}),
    create_roles=frozenset({"operator", "brand", "creator"}),
    update_roles=frozenset({"operator", "brand", "creator"}),
    scope=_scope,
    prepare=_prepare,
    check_update=_check,
    policy_fields=frozenset({"status", "url"}),
    filters=("partner_id", "owner_id", "status"),
    terms={"status": "state"},
)

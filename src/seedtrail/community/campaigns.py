"""Campaigns: a brand's set of notes, boosted with a daily spend per note."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, delete, insert, select, update

from seedtrail.community import collabs
from seedtrail.core.errors import Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, own_account, owned_by
from seedtrail.messages import Msg
from seedtrail.store import audit, epoch
from seedtrail.store.repo import Row
from seedtrail.store.schema import accounts, campaign_notes, campaign_spend, campaigns, notes
from seedtrail.store.types import Id


class CampaignIn(BaseModel):
    brand_id: Id | None = None
    name: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date | None = None


class CampaignPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    ends_on: date | None = None
    status: Literal["active", "paused", "ended"] | None = None


class SpendIn(BaseModel):
    note_id: Id
    day: date
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


def _prepare(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    v["brand_id"] = own_account(actor, v.get("brand_id"), field_name="brand_id")
    kind = conn.execute(select(accounts.c.kind).where(accounts.c.id == v["brand_id"])).scalar()
    if kind not in ("brand", "enterprise"):
        raise InvalidInput(Msg("problem.invalid-input.not_brand", {"id": v["brand_id"]}))
    if v.get("ends_on") and v["ends_on"] < v["starts_on"]:
        raise InvalidInput(Msg("problem.invalid-input.ends_on"))
    v["status"] = "active"
    return v


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    return owned_by(actor, campaigns.c.brand_id)


RESOURCE = Resource(
    name="campaigns",
    noun="campaign",
    table=campaigns,
    create_model=CampaignIn,
    update_model=CampaignPatch,
    read_roles=frozenset({"operator", "moderator", "brand"}),
    create_roles=frozenset({"operator", "brand"}),
    update_roles=frozenset({"operator", "brand"}),
    scope=_scope,
    prepare=_prepare,
    policy_fields=frozenset({"status"}),  # an active campaign's notes need an ad label
    filters=("brand_id", "status"),
    terms={"status": "state"},
)


def add_notes(
    conn: Connection, actor: Principal, campaign_id: int, note_ids: list[int]
) -> list[int]:
    """Add notes the campaign's brand may use: its own, or under a collab registration the
    creator accepted. Whoever asks (the brand or an operator), another's note is refused."""
    brand_id = conn.execute(select(campaigns.c.brand_id).where(campaigns.c.id == campaign_id))
    brand = brand_id.scalar_one()
    authors = dict(
        conn.execute(select(notes.c.id, notes.c.author_id).where(notes.c.id.in_(note_ids))).all()
    )
    missing = sorted(set(note_ids) - set(authors))
    if missing:
        raise InvalidInput(Msg("problem.invalid-input.notes_missing", {"ids": str(missing)}))
    others = [n for n, author in authors.items() if author != brand]
    usable = set(conn.execute(collabs.accepted(brand, others)).scalars()) if others else set()
    refused = sorted(set(others) - usable)
    if refused:
        raise Forbidden(
            Msg("problem.forbidden.campaign_notes", {"ids": str(refused), "brand": brand})
        )
    have = set(
        conn.execute(
            select(campaign_notes.c.note_id).where(campaign_notes.c.campaign_id == campaign_id)
        ).scalars()
    )
    new = sorted(set(note_ids) - have)
    if new:
        conn.execute(
            insert(campaign_notes), [{"campaign_id": campaign_id, "note_id": n} for n in new]
        )
        labelled = _label_notes(conn, new)
        epoch.bump(conn)  # live links know their note's campaigns (a tap's ``c`` is checked)
        audit.record(
            conn,
            actor=actor.label,
            action="campaign.add_notes",
            object_type="campaign",
            object_id=campaign_id,
            after={"note_ids": new, "labelled_ad": labelled},
        )
    return sorted(have | set(new))


def _label_notes(conn: Connection, note_ids: list[int]) -> list[int]:
    """A boost is paid distribution, an ad: each boosted note without a label gets 广告 (``ad``);
    returns the notes labelled (the link policy refuses links on a boosted unlabelled note)."""
    bare = sorted(
        conn.execute(
            select(notes.c.id).where(notes.c.id.in_(note_ids), notes.c.ad_label.is_(None))
        ).scalars()
    )
    if bare:
        conn.execute(update(notes).where(notes.c.id.in_(bare)).values(ad_label="ad"))
    return bare


def note_ids(conn: Connection, campaign_id: int) -> list[int]:
    return sorted(
        conn.execute(
            select(campaign_notes.c.note_id).where(campaign_notes.c.campaign_id == campaign_id)
        ).scalars()
    )


def set_spend(conn: Connection, actor: Principal, campaign_id: int, spend: SpendIn) -> None:
    if spend.note_id not in note_ids(conn, campaign_id):
        raise InvalidInput(
            Msg(
                "problem.invalid-input.note_campaign",
                {"note": spend.note_id, "campaign": campaign_id},
            )
        )
    key = (
        (campaign_spend.c.campaign_id == campaign_id)
        & (campaign_spend.c.note_id == spend.note_id)
        & (campaign_spend.c.day == spend.day)
    )
    before = conn.execute(select(campaign_spend.c.amount).where(key)).scalar()
    conn.execute(delete(campaign_spend).where(key))
    conn.execute(
        insert(campaign_spend).values(
            campaign_id=campaign_id, note_id=spend.note_id, day=spend.day, amount=spend.amount
        )
    )
    audit.record(
        conn,
        actor=actor.label,
        action="campaign.spend",
        object_type="campaign",
        object_id=campaign_id,
        before={"amount": before},
        after=spend.model_dump(mode="json"),
    )


def names(conn: Connection, ids: list[int]) -> dict[int, str]:
    """The names of the campaigns ``ids`` (for display: pages show names, not ids)."""
    if not ids:
        return {}
    query = select(campaigns.c.id, campaigns.c.name).where(campaigns.c.id.in_(ids))
    return {int(i): str(n) for i, n in conn.execute(query).all()}


def spend_rows(conn: Connection, campaign_id: int) -> list[Row]:
    rows = conn.execute(
        select(campaign_spend)
        .where(campaign_spend.c.campaign_id == campaign_id)
        .order_by(campaign_spend.c.day, campaign_spend.c.note_id)
    ).mappings()
    return [dict(r) for r in rows]

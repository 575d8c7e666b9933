"""Co-funded boosts: who pays a campaign's boost spend.

The brand owning a campaign pays its spend unless co-funders take a share: a marketplace (a
shop partner paying to boost its items, as in the 红猫 tri-party accounts) or the platform's own
subsidy. Each co-funder has a fixed share of the campaign's spend (0 < share < 1); the brand pays
the rest (``1 - Σ shares``, which may not be negative). A funder's spend on a day is that day's
spend times its share, and the return on *its* spend is the GMV it counts over that spend:
the brand and the platform the campaign's attributed GMV, a marketplace the attributed GMV of its
own conversions in the campaign (it never sees a rival shop's sales).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, delete, func, insert, select

from seedtrail.core.errors import InvalidInput, InvalidValue, forbidden
from seedtrail.core.principals import Principal
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit
from seedtrail.store.repo import Row
from seedtrail.store.schema import campaign_funders, campaign_spend, campaigns, partners
from seedtrail.store.types import Id, utcnow


class FunderIn(BaseModel):
    funder: Literal["marketplace", "platform"]
    partner_id: Id | None = Field(default=None, description="The marketplace (a partner)")
    share: float = Field(gt=0, lt=1, description="Share of the campaign's spend it pays")

    @model_validator(mode="after")
    def _partner(self) -> FunderIn:
        if (self.funder == "marketplace") != (self.partner_id is not None):
            raise InvalidValue(Msg("invalid.funder_partner"))
        return self


class FundingIn(BaseModel):
    funders: list[FunderIn] = Field(
        max_length=20, description="Co-funders; the brand pays the rest"
    )


def _check(conn: Connection, body: FundingIn) -> None:
    seen = set()
    for f in body.funders:
        key = (f.funder, f.partner_id)
        if key in seen:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.cofunder_twice",
                    {"funder": f.funder, "partner": f.partner_id or ""},
                )
            )
        seen.add(key)
        if f.partner_id is not None:
            found = conn.execute(select(partners.c.id).where(partners.c.id == f.partner_id))
            if found.first() is None:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.missing",
                        {"what": term("object", "partner"), "id": f.partner_id},
                    )
                )
    total = sum(f.share for f in body.funders)
    if total >= 1:
        shown = f"{total:g}"
        raise InvalidInput(Msg("problem.invalid-input.cofunder_shares", {"total": shown}))


def set_funders(
    conn: Connection, actor: Principal, campaign_id: int, body: FundingIn
) -> list[dict[str, object]]:
    """Replace the campaign's co-funders (operators, or the owning brand; audited)."""
    if actor.role not in ("operator", "brand"):
        raise forbidden(actor.role, N_("problem.forbidden.change"), "campaigns")
    _check(conn, body)
    before = shares(conn, campaign_id)
    now = utcnow()
    conn.execute(delete(campaign_funders).where(campaign_funders.c.campaign_id == campaign_id))
    if body.funders:
        conn.execute(
            insert(campaign_funders),
            [
                {"campaign_id": campaign_id, **f.model_dump(), "created_at": now,
                 "updated_at": now}
                for f in body.funders
            ],
        )  # fmt: skip
    after = shares(conn, campaign_id)
    audit.record(
        conn,
        actor=actor.label,
        action="campaign.funders",
        object_type="campaign",
        object_id=campaign_id,
        before={"funders": before},
        after={"funders": after},
    )
    return after


def shares(conn: Connection, campaign_id: int) -> list[Row]:
    """Every funder of the campaign with its share, the brand first (it pays the rest)."""
    c = campaign_funders.c
    rows = conn.execute(
        select(c.funder, c.partner_id, partners.c.slug, c.share)
        .outerjoin(partners, partners.c.id == c.partner_id)
        .where(c.campaign_id == campaign_id)
        .order_by(c.funder, c.partner_id)
    ).all()
    brand = conn.execute(select(campaigns.c.brand_id).where(campaigns.c.id == campaign_id)).scalar()
    out = [{"funder": "brand", "account_id": brand, "share": 1 - sum(r[3] for r in rows)}]
    out += [
        {"funder": f, "partner_id": p, "partner": slug, "share": float(share)}
        for f, p, slug, share in rows
    ]
    return out


def total_spend(conn: Connection, campaign_ids: list[int]) -> dict[int, float]:
    query = (
        select(campaign_spend.c.campaign_id, func.sum(campaign_spend.c.amount))
        .where(campaign_spend.c.campaign_id.in_(campaign_ids))
        .group_by(campaign_spend.c.campaign_id)
    )
    return {int(k): float(v or 0) for k, v in conn.execute(query).all()}


def partner_campaigns(conn: Connection, partner_id: int) -> dict[int, float]:
    """The campaigns a marketplace co-funds, with its share."""
    c = campaign_funders.c
    query = select(c.campaign_id, c.share).where(c.partner_id == partner_id)
    return {int(k): float(v) for k, v in conn.execute(query.order_by(c.campaign_id)).all()}

"""Co-funded boosts (:mod:`seedtrail.community.funding`): who pays a campaign's spend, and each
funder's return on its own spend.

* ``PUT /campaigns/{id}/funders``: the owning brand or an operator names the co-funders;
* ``GET /campaigns/{id}/funders``: every funder's share, spend and ROAS on its spend (the
  campaign's attributed GMV over it; for a brand only when the campaign reached k people);
* ``GET /shop/{partner}/funding``: a marketplace's own share of the campaigns it co-funds, its
  spend and the return of *its own* conversions on it (released under the k rule)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from seedtrail.api.attribution_routes import source
from seedtrail.api.deps import Actor, Body, Reader, Writer
from seedtrail.attribution import shop_reader
from seedtrail.community import campaigns, funding
from seedtrail.core import resources
from seedtrail.store.types import Id

router = APIRouter(tags=["campaigns"])


@router.put("/campaigns/{ident}/funders", summary="Name a campaign's co-funders and their shares")
def put_funders(ident: Id, body: funding.FundingIn, actor: Actor, conn: Writer) -> Body:
    resources.get(conn, campaigns.RESOURCE, actor, ident)
    return {"campaign_id": ident, "funders": funding.set_funders(conn, actor, ident, body)}


@router.get(
    "/campaigns/{ident}/funders",
    summary="Each funder's share of a campaign's spend, its spend and the ROAS on it",
)
def get_funders(ident: Id, request: Request, actor: Actor, conn: Reader) -> Body:
    return shop_reader.campaign_funders(source(request), conn, actor, ident)


@router.get(
    "/shop/{partner}/funding",
    tags=["attribution"],
    summary="A marketplace's share of the campaigns it co-funds, and the ROAS of its own "
    "conversions on its spend",
)
def shop_funding(partner: str, request: Request, actor: Actor, conn: Reader) -> Body:
    return shop_reader.shop_funding(source(request), conn, actor, partner)

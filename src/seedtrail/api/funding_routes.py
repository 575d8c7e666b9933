"""Co-funded boosts (:mod:`seedtrail.community.funding`): who pays a campaign's spend, and each
funder's return on its own spend.

* ``PUT /campaigns/{id}/funders``: the owning brand or an operator names the co-funders;
* ``GET /campaigns/{id}/funders``: every funder's share, spend and ROAS on its spend (the
  campaign's attributed GMV over it; for a brand only when the campaign reached k people);
* ``GET /shop/{partner}/funding``: a marketplace's own share of the campaigns it co-funds, its
  spend and the return of *its own* conversions on it (released under the k rule)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from seedtrail.api import attribution_routes as attr
from seedtrail.api.deps import Actor, Reader, Writer
from seedtrail.api.shop_routes import shop_partner
from seedtrail.attribution import runs
from seedtrail.community import campaigns, funding
from seedtrail.core import resources
from seedtrail.store.types import Id

router = APIRouter(tags=["campaigns"])


def _ratio(gmv: float | None, spend: float) -> float | None:
    return gmv / spend if gmv is not None and spend > 0 else None


@router.put("/campaigns/{ident}/funders", summary="Name a campaign's co-funders and their shares")
def put_funders(ident: Id, body: funding.FundingIn, actor: Actor, conn: Writer) -> dict[str, Any]:
    resources.get(conn, campaigns.RESOURCE, actor, ident)
    return {"campaign_id": ident, "funders": funding.set_funders(conn, actor, ident, body)}


@router.get(
    "/campaigns/{ident}/funders",
    summary="Each funder's share of a campaign's spend, its spend and the ROAS on it",
)
def get_funders(ident: Id, request: Request, actor: Actor, conn: Reader) -> dict[str, Any]:
    attr._own_campaign(conn, actor, ident)
    spend = funding.total_spend(conn, [ident]).get(ident, 0.0)
    funders = funding.shares(conn, ident)
    reports: runs.Reports = request.app.state.reports
    report = reports.latest()
    gmv, withheld = None, None
    if report is not None:
        rows = attr._funnel_rows(report, report.model(None), "campaign", [str(ident)])
        if rows and attr._campaign_released(request, actor, report, ident):
            gmv = rows[0]["gmv"]["scaled"]
        elif rows:
            withheld = attr._withheld(str(ident), attr._k(request))["withheld"]
    for f in funders:
        f["spend"] = spend * f["share"]
        f["roas"] = _ratio(gmv, f["spend"])
    out = {"run": attr._run(report, None), "campaign_id": ident, "spend": spend}
    return {**out, "gmv_scaled": gmv, "funders": funders, "withheld": withheld}


@router.get(
    "/shop/{partner}/funding",
    tags=["attribution"],
    summary="A marketplace's share of the campaigns it co-funds, and the ROAS of its own "
    "conversions on its spend",
)
def shop_funding(partner: str, request: Request, actor: Actor, conn: Reader) -> dict[str, Any]:
    p = shop_partner(conn, actor, partner)
    owned = funding.partner_campaigns(conn, p["id"])
    spend = funding.total_spend(conn, list(owned))
    reports: runs.Reports = request.app.state.reports
    report = reports.latest()
    k = attr._k(request)
    found: dict[str, dict[str, Any]] = {}
    if report is not None and owned:
        found = {
            r["key"]: r
            for r in report.query(
                "SELECT key, people, gmv_scaled FROM {shop} WHERE model = ? AND partner = ? "
                "AND dimension = 'campaign' AND list_contains(?::VARCHAR[], key)",
                [report.model(None), p["slug"], [str(c) for c in owned]],
            )
        }
    names = campaigns.names(conn, list(owned))
    out = []
    for cid, share in owned.items():
        row = found.get(str(cid))
        mine = spend.get(cid, 0.0) * share
        shown = row is not None and (actor.role == "operator" or int(row["people"] or 0) >= k)
        gmv = float(row["gmv_scaled"]) if shown and row is not None else None
        item = {"campaign_id": cid, "campaign_name": names.get(cid), "share": share}
        item.update(spend=mine, gmv_scaled=gmv)
        item["roas"] = _ratio(gmv, mine)
        if row is not None and not shown:
            item["withheld"] = attr._withheld(str(cid), k)["withheld"]
        out.append(item)
    return {"run": attr._run(report, None), "partner": p["slug"], "campaigns": out, "k": k}

"""The report reader for shops and funders: a shop partner's own conversions and link clicks
(the report's ``shop`` table, :mod:`seedtrail.attribution.shopview`), the item funnel for
brands, and each co-funder's spend and return (:mod:`seedtrail.community.funding`).

A partner key reads its own partner only, operators any; a partner reads the rows as the clean
room releases them to brands (each shown row reached k people, the rest summed into ``other``).
The API's routes and the dashboard's shop page both call these functions.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, or_, select

from seedtrail.attribution import shopview
from seedtrail.attribution.reader import (
    Source,
    campaign_released,
    funnel_rows,
    own_campaign,
    require_reader,
)
from seedtrail.attribution.report_json import (
    Record,
    RowJSON,
    run_json,
    scaled_value,
    shop_row_json,
    withheld_reason,
)
from seedtrail.cleanroom import gate
from seedtrail.community import funding
from seedtrail.community.campaigns import names as campaign_names
from seedtrail.core.errors import NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.enforcement import subjects
from seedtrail.messages import N_
from seedtrail.store.schema import offers, partners

Dimension = Literal["item", "note", "creator", "campaign", "day"]
assert set(shopview.DIMENSIONS) == set(Dimension.__args__)  # type: ignore[attr-defined]


class PartnerRef(TypedDict):
    """A shop partner as the shop view names it."""

    id: int
    slug: str
    name: str


def shop_partner(conn: Connection, actor: Principal, partner: str) -> PartnerRef:
    """The partner named by slug or id, if ``actor`` may read its shop view: operators any,
    a partner key its own partner; other roles 403, an unknown partner 404."""
    if actor.role not in ("operator", "partner"):
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")
    cond = partners.c.slug == partner
    if partner.isdecimal():
        cond = or_(cond, partners.c.id == int(partner))
    row = conn.execute(select(partners.c.id, partners.c.slug, partners.c.name).where(cond))
    found = row.mappings().first()
    if found is None:
        raise NotFound(not_found("partner", partner))
    if actor.role == "partner" and actor.partner_id != found["id"]:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")
    return PartnerRef(id=int(found["id"]), slug=str(found["slug"]), name=str(found["name"]))


def _item_titles(conn: Connection, partner_id: int) -> dict[str, str]:
    query = select(offers.c.item_id, offers.c.title).where(
        offers.c.partner_id == partner_id, offers.c.item_id.is_not(None)
    )
    return {str(i): str(t) for i, t in conn.execute(query.order_by(offers.c.id)).all()}


def _name_rows(conn: Connection, partner_id: int, dimension: str, rows: list[RowJSON]) -> None:
    """Each row's ``title``: the item's offer title, the note's title, the creator's @handle or
    the campaign's name (pages show names, never ids); None for a day or an unknown key."""
    ids = [int(str(r["key"])) for r in rows if str(r["key"]).isdecimal()]
    names: dict[str, str] = {}
    if dimension == "item":
        items = _item_titles(conn, partner_id)
        names = {
            str(r["key"]): items[k] for r in rows if (k := str(r["key"]).split(":", 1)[-1]) in items
        }
    elif dimension in ("note", "creator") and ids:
        handles, titles = subjects.names(conn, ids if dimension == "creator" else [], ids)
        found = {i: f"@{h}" for i, h in handles.items()} if dimension == "creator" else titles
        names = {str(i): v for i, v in found.items()}
    elif dimension == "campaign" and ids:
        names = {str(i): n for i, n in campaign_names(conn, ids).items()}
    for r in rows:
        r["title"] = names.get(str(r["key"]))


def shop_attribution(
    src: Source,
    conn: Connection,
    actor: Principal,
    partner: str,
    dimension: Dimension,
    model: str | None,
) -> dict[str, object]:
    """A shop partner's own conversions and link clicks by ``dimension``."""
    p = shop_partner(conn, actor, partner)
    base = {"partner": p["slug"], "dimension": dimension}
    report = src.latest()
    if report is None:
        return {"run": None, **base, "rows": [], "other": None}
    run = run_json(report, model)
    assert run is not None
    found = report.query(
        "SELECT * FROM {shop} WHERE model = ? AND partner = ? AND dimension = ? ORDER BY key",
        [run["model"], p["slug"], dimension],
    )
    rows, other = [shop_row_json(r) for r in found], None
    _name_rows(conn, p["id"], dimension, rows)
    if actor.role != "operator":
        rows, other = gate.release_rows(rows, src.k)
    identity = _identity(report.meta, p["slug"])
    return {"run": run, **base, "rows": rows, "other": other, "k": src.k, "identity": identity}


def _identity(meta: dict[str, Any], slug: str) -> dict[str, Any] | None:
    """How the report knew the partner's buyers: ``native`` for the platform's own shop (every
    order names its community user: a match rate of 1 by construction), else the clean room's
    match (its match rate); None when the report had no match for the partner."""
    found = ((meta.get("inputs") or {}).get("matches") or {}).get(slug)
    if not found:
        return None
    return {"source": found.get("identity", "clean room"), "match_rate": found.get("match_rate")}


def brand_items(conn: Connection, actor: Principal) -> list[str] | None:
    """The item keys of ``actor``'s offers (a brand); None for operators (every item)."""
    if actor.role == "operator":
        return None
    query = (
        select(partners.c.slug, offers.c.item_id)
        .join(partners, partners.c.id == offers.c.partner_id)
        .where(offers.c.owner_id == actor.account_id, offers.c.item_id.is_not(None))
    )
    return sorted({f"{s}:{i}" for s, i in conn.execute(query).all()})


def items_report(
    src: Source, conn: Connection, actor: Principal, model: str | None
) -> dict[str, object]:
    """The funnel per item (``<partner>:<item id>``): brands see the items of their offers."""
    require_reader(actor, ("operator", "brand"))
    keys = brand_items(conn, actor)
    report = src.latest()
    if report is None:
        return {"run": None, "items": [], "items_other": None}
    run = run_json(report, model)
    assert run is not None
    rows, other = funnel_rows(report, run["model"], "item", keys), None
    titles = item_titles(conn)
    for r in rows:
        r["title"] = titles.get(str(r["key"]))
    if actor.role != "operator":
        rows, other = gate.release_rows(rows, src.k)
    return {"run": run, "items": rows, "items_other": other}


def item_titles(conn: Connection) -> dict[str, str]:
    """Each item key (``<partner>:<item id>``) with the title of its first offer."""
    query = (
        select(partners.c.slug, offers.c.item_id, offers.c.title)
        .join(partners, partners.c.id == offers.c.partner_id)
        .where(offers.c.item_id.is_not(None))
        .order_by(offers.c.id.desc())
    )
    return {f"{s}:{i}": str(t) for s, i, t in conn.execute(query).all()}


def _ratio(gmv: float | None, spend: float) -> float | None:
    return gmv / spend if gmv is not None and spend > 0 else None


def campaign_funders(
    src: Source, conn: Connection, actor: Principal, ident: int
) -> dict[str, object]:
    """Each funder's share of a campaign's spend, its spend and the ROAS on it (the campaign's
    attributed GMV over it; for a brand only when the campaign reached k people)."""
    own_campaign(conn, actor, ident)
    spend = funding.total_spend(conn, [ident]).get(ident, 0.0)
    funders = funding.shares(conn, ident)
    report = src.latest()
    gmv, withheld_why = None, None
    if report is not None:
        rows = funnel_rows(report, report.model(None), "campaign", [str(ident)])
        if rows and campaign_released(src, actor, report, ident):
            gmv = scaled_value(rows[0], "gmv")
        elif rows:
            withheld_why = withheld_reason(src.k)
    for f in funders:
        f["spend"] = spend * f["share"]
        f["roas"] = _ratio(gmv, f["spend"])
    out = {"run": run_json(report, None), "campaign_id": ident, "spend": spend}
    return {**out, "gmv_scaled": gmv, "funders": funders, "withheld": withheld_why}


def shop_funding(src: Source, conn: Connection, actor: Principal, partner: str) -> dict[str, Any]:
    """A marketplace's share of the campaigns it co-funds, its spend and the return of its own
    conversions on it (released under the k rule)."""
    p = shop_partner(conn, actor, partner)
    owned = funding.partner_campaigns(conn, p["id"])
    spend = funding.total_spend(conn, list(owned))
    report = src.latest()
    k = src.k
    found: dict[str, Record] = {}
    if report is not None and owned:
        found = {
            r["key"]: r
            for r in report.query(
                "SELECT key, people, gmv_scaled FROM {shop} WHERE model = ? AND partner = ? "
                "AND dimension = 'campaign' AND list_contains(?::VARCHAR[], key)",
                [report.model(None), p["slug"], [str(c) for c in owned]],
            )
        }
    names = campaign_names(conn, list(owned))
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
            item["withheld"] = withheld_reason(k)
        out.append(item)
    return {"run": run_json(report, None), "partner": p["slug"], "campaigns": out, "k": k}

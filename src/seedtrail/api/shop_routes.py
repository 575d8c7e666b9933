"""The shop partner's view of attribution, and the item dimension for brands.

* ``GET /shop/{partner}/attribution``: the partner's own conversions and the clicks on its links
  by item, note, creator, campaign or day (the report's ``shop`` table). A partner key reads its
  own partner only; operators any. A partner reads the rows as the clean room releases them to
  brands (:mod:`seedtrail.cleanroom.gate`: each shown row reached k people, the rest summed into
  ``other``).
* ``GET /attribution/items``: the funnel per item (``<partner>:<item id>``); a brand sees the
  items of its own offers, released the same way.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, or_, select

from seedtrail.api import attribution_routes as attr
from seedtrail.api.deps import Actor, Reader
from seedtrail.attribution import runs, shopview
from seedtrail.attribution.summary import METRICS
from seedtrail.cleanroom import gate
from seedtrail.core.errors import NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.messages import N_
from seedtrail.store.schema import offers, partners

router = APIRouter(tags=["attribution"])
Dimension = Literal["item", "note", "creator", "campaign", "day"]
assert set(shopview.DIMENSIONS) == set(Dimension.__args__)  # type: ignore[attr-defined]


def shop_partner(conn: Connection, actor: Principal, partner: str) -> dict[str, Any]:
    """The partner named by slug or id, if ``actor`` may read its shop view: operators any,
    a partner key its own partner; other roles 403, an unknown partner 404."""
    if actor.role not in ("operator", "partner"):
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")
    cond = partners.c.slug == partner
    if partner.isdigit():
        cond = or_(cond, partners.c.id == int(partner))
    row = conn.execute(select(partners.c.id, partners.c.slug, partners.c.name).where(cond))
    found = row.mappings().first()
    if found is None:
        raise NotFound(not_found("partner", partner))
    if actor.role == "partner" and actor.partner_id != found["id"]:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "attribution")
    return dict(found)


def shop_row_json(row: dict[str, Any]) -> dict[str, Any]:
    """One shop row as JSON: reach, clicks, credited metrics (sampled, scaled, 95% CI)."""
    out: dict[str, Any] = {"key": row["key"], "people": int(row["people"] or 0)}
    out["clicks"] = int(row["clicks"] or 0)
    out.update({name: attr.metric_json(row, name) for name, _, _ in METRICS})
    out["sample_rate"] = {"min": row["sample_rate_min"], "max": row["sample_rate_max"]}
    out.update({name: attr._num(row.get(name)) for name in ("spend", "roas")})  # item rows
    return out


def _item_titles(conn: Connection, partner_id: int) -> dict[str, str]:
    query = select(offers.c.item_id, offers.c.title).where(
        offers.c.partner_id == partner_id, offers.c.item_id.is_not(None)
    )
    return {str(i): str(t) for i, t in conn.execute(query.order_by(offers.c.id)).all()}


@router.get(
    "/shop/{partner}/attribution",
    summary="A shop partner's own conversions and link clicks by item, note, creator, "
    "campaign or day (partner keys: their own partner only; released under the k rule)",
)
def shop_attribution(
    partner: str,
    request: Request,
    actor: Actor,
    conn: Reader,
    dimension: Dimension = Query("item", description="Group rows by this key"),
    model: str | None = attr.ModelQ,
) -> dict[str, Any]:
    p = shop_partner(conn, actor, partner)
    base = {"partner": p["slug"], "dimension": dimension}
    reports: runs.Reports = request.app.state.reports
    report = reports.latest()
    if report is None:
        return {"run": None, **base, "rows": [], "other": None}
    run = attr._run(report, model)
    assert run is not None
    found = report.query(
        "SELECT * FROM {shop} WHERE model = ? AND partner = ? AND dimension = ? ORDER BY key",
        [run["model"], p["slug"], dimension],
    )
    rows, other = [shop_row_json(r) for r in found], None
    if dimension == "item":
        titles = _item_titles(conn, p["id"])
        for r in rows:
            r["title"] = titles.get(r["key"].split(":", 1)[-1])
    k = attr._k(request)
    if actor.role != "operator":
        rows, other = gate.release_rows(rows, k)
    return {"run": run, **base, "rows": rows, "other": other, "k": k}


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


def item_titles(conn: Connection) -> dict[str, str]:
    """Each item key (``<partner>:<item id>``) with the title of its first offer."""
    query = (
        select(partners.c.slug, offers.c.item_id, offers.c.title)
        .join(partners, partners.c.id == offers.c.partner_id)
        .where(offers.c.item_id.is_not(None))
        .order_by(offers.c.id.desc())
    )
    return {f"{s}:{i}": str(t) for s, i, t in conn.execute(query).all()}


@router.get(
    "/attribution/items",
    summary="Funnel per item (`<partner>:<item id>`): brands see the items of their own offers",
)
def items_report(
    request: Request, actor: Actor, conn: Reader, model: str | None = attr.ModelQ
) -> dict[str, Any]:
    attr._require_reader(actor, ("operator", "brand"))
    keys = brand_items(conn, actor)
    reports: runs.Reports = request.app.state.reports
    report = reports.latest()
    if report is None:
        return {"run": None, "items": [], "items_other": None}
    run = attr._run(report, model)
    assert run is not None
    rows, other = attr._funnel_rows(report, run["model"], "item", keys), None
    titles = item_titles(conn)
    for r in rows:
        r["title"] = titles.get(r["key"])
    if actor.role != "operator":
        rows, other = gate.release_rows(rows, attr._k(request))
    return {"run": run, "items": rows, "items_other": other}

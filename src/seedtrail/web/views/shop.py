"""The shop partner's view: its own conversions and the clicks on its links, by item, note,
creator, campaign or day, from the published report. The figures come from the report reader
behind ``GET /shop/{partner}/attribution`` (:mod:`seedtrail.attribution.shop_reader`), called
with the signed-in principal (the same scoping and clean-room release); an operator picks the
partner."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from seedtrail.attribution import metrics, reader, shop_reader, shopview
from seedtrail.core import resources
from seedtrail.core.errors import ReportOutdated
from seedtrail.links import partners
from seedtrail.messages import N_
from seedtrail.web import tables
from seedtrail.web.render import Ctx, page
from seedtrail.web.tables import Column, Source, figure

#: The page's tabs, one per dimension of the shop table (labels by key).
DIMENSIONS = {
    "item": N_("shop.dim.item"),
    "note": N_("shop.dim.note"),
    "creator": N_("shop.dim.creator"),
    "campaign": N_("shop.dim.campaign"),
    "day": N_("shop.dim.day"),
}
assert tuple(DIMENSIONS) == shopview.DIMENSIONS
NAME_HEADINGS = {"item": "col.title", "note": "col.note", "creator": "col.account"}
NAME_HEADINGS["campaign"] = "col.campaign"


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A shop row as table cells: scaled figures beside the ends of their 95% intervals."""
    out = {"key": row["key"], "title": row.get("title") or "", "people": row["people"]}
    out["clicks"] = row["clicks"]
    for name in ("purchases", "gmv"):
        fig = row[name]
        low, high = fig.get("ci95") or (None, None)
        out.update({name: fig["scaled"], f"{name}_low": low, f"{name}_high": high})
    out.update({name: row.get(name) for name in ("spend", "roas")})  # item rows carry them
    return out


def _partner_choice(ctx: Ctx) -> tuple[list[dict[str, object]], str | None]:
    """Partners the principal may pick (an operator: all; a partner key: its own) and the one
    shown (``?partner=``, else the first)."""
    with ctx.web.store.read() as conn:
        rows = resources.list_rows(conn, partners.RESOURCE, ctx.user, {}, limit=1000)
    if ctx.user.role == "partner":
        rows = [r for r in rows if r["id"] == ctx.user.partner_id]
    slugs = [r["slug"] for r in rows]
    wanted = ctx.query.get("partner")
    return rows, wanted if wanted in slugs else (slugs[0] if slugs else None)


def _shop_columns(ctx: Ctx, dimension: str) -> list[Column]:
    """The shop table's columns: rows by day or item show their key, by note, creator or
    campaign only its name; item rows add their share of boost spend and ROAS."""
    t, m = ctx.t, ctx.m
    columns = [Column("key", t("shop.col.key"))] if dimension in ("item", "day") else []
    if dimension != "day":
        columns.append(Column("title", t(NAME_HEADINGS[dimension])))
    digits, money = metrics.get("purchases").digits, metrics.get("gmv").digits
    columns += [
        Column("people", m("people"), True, api="people"),
        Column("clicks", m("clicks"), True, api="clicks"),
        Column("purchases", m("purchases"), True, digits, api="purchases/scaled"),
        Column("purchases_low", t("shop.col.ci_low"), True, digits, api="purchases/ci95/0"),
        Column("purchases_high", t("shop.col.ci_high"), True, digits, api="purchases/ci95/1"),
        Column("gmv", m("gmv"), True, money, api="gmv/scaled"),
        Column("gmv_low", t("shop.col.ci_low"), True, money, api="gmv/ci95/0"),
        Column("gmv_high", t("shop.col.ci_high"), True, money, api="gmv/ci95/1"),
    ]
    if dimension == "item":  # the item's share of boost spend and ROAS (metric registry)
        roas = metrics.get("roas").digits
        columns += [
            Column("spend", m("spend"), True, money, api="spend"),
            Column("roas", m("roas"), True, roas, api="roas"),
        ]
    return columns


def _identity_hint(ctx: Ctx, identity: dict[str, Any] | None) -> str | None:
    """How the report knew the shop's buyers: natively (the platform's own shop) or through the
    clean room's match, with the match rate."""
    if not identity or identity.get("match_rate") is None:
        return None
    rate = f"{identity['match_rate']:.0%}"
    native = identity["source"] == "native"
    key = N_("shop.identity.native") if native else N_("shop.identity.cleanroom")
    return str(ctx.t(key, rate=rate))


@page
def shop_page(ctx: Ctx) -> Response:
    asked = ctx.query.get("dimension", "item")
    dimension: shop_reader.Dimension = asked if asked in DIMENSIONS else "item"  # type: ignore[assignment]
    choices, slug = _partner_choice(ctx)
    body: dict[str, Any] = {"run": None, "rows": [], "other": None, "k": None}
    funded: list[dict[str, object]] = []
    outdated = None
    if slug is not None:
        try:
            src = reader.Source.of(ctx.request.app.state)
            with ctx.web.store.read() as conn:
                body = shop_reader.shop_attribution(
                    src, conn, ctx.user, slug, dimension, ctx.query.get("model")
                )
                funded = shop_reader.shop_funding(src, conn, ctx.user, slug)["campaigns"]
        except ReportOutdated as exc:
            outdated = exc.detail
    t, m = ctx.t, ctx.m
    columns = _shop_columns(ctx, dimension)
    model = (body["run"] or {}).get("model", "")
    table = tables.build(
        "shop",
        columns,
        [_flat(r) for r in body["rows"]],
        ctx.query,
        default_sort="people",
        empty=t("empty.shop"),
        source=Source(
            f"/shop/{slug}/attribution?dimension={dimension}&model={model}", "rows/[key={key}]"
        ),
    )
    funding_table = tables.build(
        "funding",
        [
            Column("campaign_name", t("col.campaign")),
            Column("share", t("col.share"), True, api="share", percent=True),
            figure("spend", m("spend"), api="spend"),
            figure("gmv_scaled", m("gmv"), "gmv", api="gmv_scaled"),
            figure("roas", m("roas"), api="roas"),
        ],
        funded,
        ctx.query,
        default_sort="campaign_name",
        default_desc=False,
        empty=t("empty.funding"),
        source=Source(f"/shop/{slug}/funding", "campaigns/[campaign_id={campaign_id}]"),
    )
    other = body.get("other")
    return ctx.render(
        "shop.html",
        partners=choices,
        partner=slug,
        partner_names={str(p["slug"]): str(p["name"]) for p in choices},
        dimension=dimension,
        dimensions=DIMENSIONS,
        shop_table=table,
        funding_table=funding_table,
        other=_flat({**other, "people": other.get("people", 0)}) if other else None,
        other_rows=other.get("rows") if other else 0,
        run=body["run"],
        identity=_identity_hint(ctx, body.get("identity")),
        k=body.get("k") or ctx.web.settings.cleanroom_k,
        report_outdated=outdated,
    )

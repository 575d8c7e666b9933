"""The brand's items (单品): the funnel, GMV, boost spend and ROAS per item of its own offers,
as ``GET /attribution/items`` returns it to the signed-in principal (the
same scoping and clean-room release; an operator sees every item). Spend and ROAS are the
metric registry's: a boosted note's spend split among the items its links point to."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from seedtrail.attribution import reader, shop_reader
from seedtrail.core.errors import ReportOutdated
from seedtrail.web import tables
from seedtrail.web.render import Ctx, page
from seedtrail.web.tables import Column, figure


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """An item row as table cells: counts, scaled figures and their 95% intervals, costs."""
    out = {k: row.get(k) for k in ("key", "title", "people", "clicks", "spend", "roas")}
    for name in ("purchases", "gmv"):
        fig = row[name]
        low, high = fig.get("ci95") or (None, None)
        out.update({name: fig["scaled"], f"{name}_low": low, f"{name}_high": high})
    return out


@page
def items_page(ctx: Ctx) -> Response:
    body: dict[str, Any] = {"run": None, "items": [], "items_other": None}
    outdated = None
    try:
        with ctx.web.store.read() as conn:
            src = reader.Source.of(ctx.request.app.state)
            body = shop_reader.items_report(src, conn, ctx.user, ctx.query.get("model"))
    except ReportOutdated as exc:
        outdated = exc.detail
    t, m = ctx.t, ctx.m
    columns = [
        Column("key", t("shop.col.key")),
        Column("title", t("col.title")),
        Column("people", m("people"), True),
        Column("clicks", m("clicks"), True),
        Column("purchases", m("purchases"), True, 1),
        figure("gmv", m("gmv")),
        Column("gmv_low", t("shop.col.ci_low"), True),
        Column("gmv_high", t("shop.col.ci_high"), True),
        figure("spend", m("spend")),
        Column("roas", m("roas"), True, 2),
    ]
    table = tables.build(
        "items",
        columns,
        [_flat(r) for r in body["items"]],
        ctx.query,
        default_sort="people",
        empty=t("empty.items"),
    )
    other = body.get("items_other")
    return ctx.render(
        "items.html",
        items_table=table,
        other_rows=other.get("rows") if other else 0,
        run=body["run"],
        k=ctx.web.settings.cleanroom_k,
        report_outdated=outdated,
    )

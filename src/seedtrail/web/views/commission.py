"""A buyer's (买手) commission statement: orders, GMV, refunds and commission due of its links,
per partner and in total, as ``GET /buyers/{id}/commission`` returns it to
the signed-in principal (a buyer's key sees its own; an operator picks the buyer). The period
defaults to the buyer's taps: from the first to the last plus the click window."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from seedtrail.attribution import commission
from seedtrail.core.errors import InvalidInput
from seedtrail.links import partners
from seedtrail.messages import Msg
from seedtrail.web import tables
from seedtrail.web.render import Ctx, page
from seedtrail.web.tables import Column


def _buyer_choice(ctx: Ctx, choices: list[dict[str, Any]]) -> int | None:
    """The buyer shown: a buyer's own account; for an operator ``?buyer=``, else the first."""
    if ctx.user.role != "operator":
        own = ctx.user.account_id
        return own if any(b["id"] == own for b in choices) else None
    wanted = ctx.query.get("buyer", "")
    ids = [b["id"] for b in choices]
    return int(wanted) if wanted.isdecimal() and int(wanted) in ids else (ids[0] if ids else None)


def _day(ctx: Ctx, name: str, default: date) -> date:
    raw = ctx.query.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(Msg("problem.invalid-input.period_day", {"value": raw})) from None


@page
def commission_page(ctx: Ctx) -> Response:
    with ctx.web.store.read() as conn:
        choices = commission.buyers(conn)
        buyer = _buyer_choice(ctx, choices)
        got = None
        if buyer is not None:
            first, last = commission.default_period(conn, buyer)
            since, until = _day(ctx, "since", first), _day(ctx, "until", last)
            commission.require_reader(ctx.user, buyer)
            lake = str(ctx.web.settings.effective_lake_url)
            got = commission.statement(conn, lake, buyer, since, until)
        names = partners.names(conn)
    t, m = ctx.t, ctx.m
    columns = [
        Column("partner", t("buyers.col.partner")),
        Column("orders", m("buyer_orders"), True),
        Column("gmv", m("buyer_gmv"), True, 2),
        Column("refunds", m("buyer_refunds"), True),
        Column("refunded", t("buyers.col.refunded"), True, 2),
        Column("net_gmv", t("buyers.col.net_gmv"), True, 2),
        Column("commission_due", m("commission_due"), True, 2),
    ]
    # a partner by its name (the statement, as the API returns it, has its slug)
    shown = got["partners"] if got else []
    rows = [{**r, "partner": names.get(r["partner"], r["partner"])} for r in shown]
    table = tables.build(
        "commission", columns, rows, ctx.query, default_sort="partner", empty=t("empty.commission")
    )
    return ctx.render(
        "commission.html",
        buyers=choices if ctx.user.role == "operator" else [],
        buyer=buyer,
        statement=got,
        commission_table=table,
    )

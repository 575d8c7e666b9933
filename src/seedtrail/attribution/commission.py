"""Buyers' (买手) commission statements: what a buyer's links sold in a period, and what the
community owes the buyer for it.

A buyer sells other accounts' products through links on its own notes (and their comment areas),
its profile card, search card or live room. An order is the buyer's when the shop's purchase
carries the click id of a counted tap on one of those links (the shop echoes the redirect's click
id, ``contracts.BACK``) and came within the click window after the tap (15 days, the attribution
spec's default): the last-click rule commission schemes use, decided per order and auditable
order by order, unlike a model's fractional credit. A refund of such an order (same partner and
order id) is the buyer's too, in the period the refund arrived. Orders are the ones the shops sent
back, each counted once (a re-sent order by its first arrival); a shop that samples its backhaul
(sample rate below 1) under-reports, which the statement shows per partner; the community's own
shop (``own_shop``) records every order.

Figures (their definitions are the metric registry's ``buyer_orders``, ``buyer_gmv``,
``buyer_refunds``, ``commission_rate`` and ``commission_due``): orders, GMV (their value),
refunds (count and value), net GMV (GMV less refunds) and commission due = net GMV × the buyer's
rate, per partner and in total.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypedDict

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, or_, select

from seedtrail.attribution.dialect import literal
from seedtrail.contracts import SENT_OUTCOMES
from seedtrail.core.errors import InvalidInput, NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.lake.layout import Lake
from seedtrail.messages import N_, Msg
from seedtrail.store.repo import Row
from seedtrail.store.schema import accounts, clicks, link_mounts, notes, partners

#: How long after a tap an order still counts as the buyer's (the attribution spec's click window).
WINDOW = timedelta(days=15)
FIGURES = ("orders", "gmv", "refunds", "refunded", "net_gmv", "commission_due")
#: the account kind that has a commission statement
BUYER = "buyer"


def _buyer(conn: Connection, buyer_id: int) -> Row:
    row = conn.execute(select(accounts).where(accounts.c.id == buyer_id)).mappings().first()
    if row is None:
        raise NotFound(not_found("account", buyer_id))
    if row["kind"] != BUYER:
        raise InvalidInput(Msg("problem.invalid-input.not_buyer", {"id": buyer_id}))
    return dict(row)


def buyer_clicks(conn: Connection, buyer_id: int, before: datetime) -> pa.Table:
    """The counted taps on the buyer's links before ``before``: click id, time, partner slug."""
    own_notes = select(notes.c.id).where(notes.c.author_id == buyer_id)
    mounts = select(link_mounts.c.id).where(
        or_(link_mounts.c.note_id.in_(own_notes), link_mounts.c.account_id == buyer_id)
    )
    query = (
        select(clicks.c.click_id, clicks.c.ts_us, partners.c.slug)
        .join(partners, partners.c.id == clicks.c.partner_id)
        .where(
            clicks.c.mount_id.in_(mounts),
            clicks.c.is_bot.is_(False),
            clicks.c.is_duplicate.is_(False),
            clicks.c.outcome.in_(SENT_OUTCOMES),
            clicks.c.ts_us < int(before.timestamp() * 1_000_000),
        )
    )
    rows = conn.execute(query).all()
    return pa.table(
        {
            "click_id": pa.array([r[0] for r in rows], pa.string()),
            "click_us": pa.array([r[1] for r in rows], pa.int64()),
            "partner": pa.array([r[2] for r in rows], pa.string()),
        }
    )


def _orders_sql(files: list[str]) -> str:
    """Purchases and refunds in the lake, each order once per kind (its first arrival)."""
    listed = ", ".join(literal(f) for f in files)
    return (
        "SELECT * FROM (SELECT partner, kind, ts, value, order_id, click_id, sample_rate, "
        "ROW_NUMBER() OVER (PARTITION BY partner, kind, COALESCE(order_id, event_id) "
        f"ORDER BY received_at, event_id) AS rn FROM read_parquet([{listed}], "
        "union_by_name = true) WHERE kind IN ('purchase', 'refund')) o WHERE rn = 1"
    )


class Figures(TypedDict):
    """Orders, GMV, refunds and the commission due on them: the statement's total."""

    orders: int
    refunds: int
    gmv: float
    refunded: float
    net_gmv: float
    commission_due: float


class PartnerFigures(Figures):
    """One partner's line of the statement (``sample_rate``: the lowest its events declared)."""

    partner: str
    sample_rate: float | None


class BuyerRef(TypedDict):
    id: int
    handle: str
    name: str


class Statement(TypedDict):
    """A buyer's commission statement (``GET /buyers/{id}/commission``)."""

    buyer: BuyerRef
    period: dict[str, str]  # since, until: ISO dates, both included
    commission_rate: float
    window_days: int
    counted_clicks: int
    partners: list[PartnerFigures]
    total: Figures


def _due(gmv: float, refunded: float, rate: float) -> tuple[float, float, float, float]:
    """GMV and refunds rounded to cents, net GMV and the commission due on it."""
    gmv, refunded = round(float(gmv), 2), round(float(refunded), 2)
    net = round(gmv - refunded, 2)
    return gmv, refunded, net, round(net * rate, 2)


def _per_partner(
    con: duckdb.DuckDBPyConnection, files: list[str], since: datetime, until: datetime, rate: float
) -> list[PartnerFigures]:
    window_us = int(WINDOW.total_seconds() * 1_000_000)
    start, end = literal(since.isoformat()), literal(until.isoformat())
    sql = (
        f"WITH o AS ({_orders_sql(files)}), "
        "mine AS (SELECT o.* FROM o JOIN b_clicks c ON c.click_id = o.click_id "
        "AND c.partner = o.partner WHERE o.kind = 'purchase' AND epoch_us(o.ts) >= c.click_us "
        f"AND epoch_us(o.ts) - c.click_us <= {window_us}), "
        "back AS (SELECT r.* FROM o r JOIN (SELECT DISTINCT partner, order_id FROM mine) m "
        "ON m.partner = r.partner AND m.order_id = r.order_id WHERE r.kind = 'refund'), "
        f"period AS (SELECT * FROM (SELECT * FROM mine UNION ALL SELECT * FROM back) x "
        f"WHERE ts >= {start}::TIMESTAMPTZ AND ts < {end}::TIMESTAMPTZ) "
        "SELECT partner, COUNT(*) FILTER (WHERE kind = 'purchase') AS orders, "
        "COALESCE(SUM(value) FILTER (WHERE kind = 'purchase'), 0) AS gmv, "
        "COUNT(*) FILTER (WHERE kind = 'refund') AS refunds, "
        "COALESCE(-SUM(value) FILTER (WHERE kind = 'refund'), 0) AS refunded, "
        "MIN(sample_rate) AS sample_rate FROM period GROUP BY partner ORDER BY partner"
    )
    out: list[PartnerFigures] = []
    for partner, orders, gmv, refunds, refunded, sample_rate in con.execute(sql).fetchall():
        gmv, refunded, net, due = _due(gmv, refunded, rate)
        out.append({"partner": partner, "orders": orders, "gmv": gmv, "refunds": refunds,
                    "refunded": refunded, "sample_rate": sample_rate, "net_gmv": net,
                    "commission_due": due})  # fmt: skip
    return out


def statement(
    conn: Connection, lake_url: str, buyer_id: int, since: date, until: date
) -> Statement:
    """The buyer's commission statement for the days ``since`` to ``until`` (both included, UTC):
    per partner and in total, orders, GMV, refunds, net GMV and commission due."""
    if until < since:
        raise InvalidInput(Msg("problem.invalid-input.period", {"since": since, "until": until}))
    if until >= date.max:  # the period's end is the next day's midnight: 10000-01-01 is no date
        last = date.max - timedelta(days=1)
        raise InvalidInput(Msg("problem.invalid-input.period_until", {"until": until, "max": last}))
    buyer = _buyer(conn, buyer_id)
    start = datetime.combine(since, time(), UTC)
    end = datetime.combine(until + timedelta(days=1), time(), UTC)
    taps = buyer_clicks(conn, buyer_id, end)
    files = sorted(str(p) for p in Lake(lake_url).file_paths(("purchase", "refund")))
    rate = float(buyer["commission_rate"] or 0.0)
    rows: list[PartnerFigures] = []
    if files and taps.num_rows:
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.register("b_clicks", taps)
            rows = _per_partner(con, files, start, end, rate)
        finally:
            con.close()
    gmv, refunded = (round(sum(r[n] for r in rows), 2) for n in ("gmv", "refunded"))
    gmv, refunded, net, due = _due(gmv, refunded, rate)
    total: Figures = {"orders": sum(r["orders"] for r in rows),
                      "refunds": sum(r["refunds"] for r in rows), "gmv": gmv,
                      "refunded": refunded, "net_gmv": net, "commission_due": due}  # fmt: skip
    return {
        "buyer": {"id": buyer["id"], "handle": buyer["handle"], "name": buyer["display_name"]},
        "period": {"since": since.isoformat(), "until": until.isoformat()},
        "commission_rate": rate,
        "window_days": WINDOW.days,
        "counted_clicks": taps.num_rows,
        "partners": rows,
        "total": total,
    }


def default_period(conn: Connection, buyer_id: int) -> tuple[date, date]:
    """From the day of the buyer's first counted tap to the last tap's day plus the window (the
    period its orders can fall in); the last 30 days when it has none."""
    taps = buyer_clicks(conn, buyer_id, datetime.now(UTC))["click_us"].to_pylist()
    if not taps:
        today = datetime.now(UTC).date()
        return today - timedelta(days=30), today
    first, last = (datetime.fromtimestamp(t / 1e6, UTC).date() for t in (min(taps), max(taps)))
    return first, last + WINDOW


def buyers(conn: Connection) -> list[Row]:
    """Every buyer account: id, handle, name and commission rate."""
    a = accounts.c
    query = select(a.id, a.handle, a.display_name, a.commission_rate).where(a.kind == BUYER)
    return [dict(r) for r in conn.execute(query.order_by(a.id)).mappings()]


def is_buyer(conn: Connection, account_id: int | None) -> bool:
    """Whether ``account_id`` is a buyer account (the only kind with a commission statement)."""
    if account_id is None:
        return False
    kind = conn.execute(select(accounts.c.kind).where(accounts.c.id == account_id)).scalar()
    return kind == BUYER


def require_reader(actor: Principal, buyer_id: int) -> None:
    """Operators read every statement; a buyer's own key (creator role) its own; others 403."""
    if actor.role == "operator" or (actor.role == "creator" and actor.account_id == buyer_id):
        return
    raise forbidden(actor.role, N_("problem.forbidden.read"), "commission")

"""A partner's backhaul as hourly series: what health's tests run on.

Events are counted in the hour of their own time (``ts``), the time the figures are reported
in; deliveries and duplicate deliveries in the hour they arrived (``intake_counts``). Clicks are
those that reached the shop: not bots, and not answered ``410`` (``outcome = 'unavailable'``:
a closed or killed link sends nobody to the shop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, and_, func, select

from seedtrail.contracts import BACK_KINDS, ORDER_KINDS
from seedtrail.lake.layout import Lake, Partition
from seedtrail.store.schema import clicks, inbox, intake_counts

HOUR_US = 3_600_000_000
LATE_S = 3_600.0  # an event that arrives more than this after its own time is late
#: the click log outcome of a tap answered 410 (closed by the policy or a kill switch): the
#: viewer never reached the shop, so no event can be expected for it
NOT_SENT = "unavailable"
#: per-order kinds whose order id identifies one event (a re-send under a new id counts twice)


def floor_hour(us: int) -> int:
    return us - us % HOUR_US


def to_us(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def iso(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, UTC)


@dataclass
class Series:
    """Per-hour arrays from ``start_us`` (an hour boundary), one cell per hour."""

    start_us: int
    hours: int
    events: np.ndarray = field(init=False)  # events by their own hour
    clicked: np.ndarray = field(init=False)  # of which carrying a click id
    late: np.ndarray = field(init=False)  # of which delivered more than LATE_S late
    rate_off: np.ndarray = field(init=False)  # of which with a sample rate != declared
    reused: np.ndarray = field(init=False)  # purchases/refunds whose order id came before
    clicks: np.ndarray = field(init=False)  # clicks that reached the shop
    echoed: np.ndarray = field(init=False)  # of which echoed (``st_click``) by any event
    deliveries: np.ndarray = field(init=False)  # deliveries by arrival hour
    duplicates: np.ndarray = field(init=False)  # repeated deliveries by arrival hour
    delays_s: np.ndarray = field(init=False)  # every event's delay (received - ts), seconds
    delay_hour: np.ndarray = field(init=False)  # the hour cell of each delay

    def __post_init__(self) -> None:
        for name in ("events", "clicked", "late", "rate_off", "reused", "clicks", "echoed"):
            setattr(self, name, np.zeros(self.hours, dtype=np.int64))
        self.deliveries = np.zeros(self.hours, dtype=np.int64)
        self.duplicates = np.zeros(self.hours, dtype=np.int64)
        self.delays_s = np.zeros(0, dtype=np.float64)
        self.delay_hour = np.zeros(0, dtype=np.int64)

    @property
    def end_us(self) -> int:
        return self.start_us + self.hours * HOUR_US

    def hour_us(self, i: int) -> int:
        return self.start_us + i * HOUR_US

    def active_from(self) -> int:
        """The first hour cell with any click, event or delivery (0 when there is none)."""
        busy = np.flatnonzero(self.events + self.clicks + self.deliveries)
        return int(busy[0]) if len(busy) else 0

    def tail(self, lo: int) -> Series:
        """The series from hour cell ``lo`` on."""
        out = Series(self.hour_us(lo), self.hours - lo)
        for name in ("events", "clicked", "late", "rate_off", "reused", "clicks", "echoed"):
            setattr(out, name, getattr(self, name)[lo:])
        out.deliveries, out.duplicates = self.deliveries[lo:], self.duplicates[lo:]
        keep = self.delay_hour >= lo
        out.delays_s, out.delay_hour = self.delays_s[keep], self.delay_hour[keep] - lo
        return out


@dataclass
class _Cols:
    ts: list[np.ndarray] = field(default_factory=list)
    received: list[np.ndarray] = field(default_factory=list)
    clicked: list[np.ndarray] = field(default_factory=list)
    click_ids: set[str] = field(default_factory=set)
    rate: list[np.ndarray] = field(default_factory=list)
    orders: list[tuple[int, str, str, str]] = field(default_factory=list)  # ts, kind, event, order

    def add_table(self, t: pa.Table) -> None:
        self.ts.append(t.column("ts").cast(pa.int64()).to_numpy(zero_copy_only=False))
        self.received.append(t.column("received_at").cast(pa.int64()).to_numpy(False))
        self.clicked.append(pc.is_valid(t.column("click_id")).to_numpy(zero_copy_only=False))
        self.click_ids.update(pc.unique(t.column("click_id").drop_null()).to_pylist())
        self.rate.append(t.column("sample_rate").to_numpy(zero_copy_only=False))
        if "order_id" in t.column_names:
            self.orders.extend(
                (a, k, e, o)
                for a, k, e, o in zip(
                    t.column("ts").cast(pa.int64()).to_pylist(),
                    t.column("kind").to_pylist(),
                    t.column("event_id").to_pylist(),
                    t.column("order_id").to_pylist(),
                    strict=True,
                )
                if o
            )


def _lake_rows(lake: Lake, slug: str, start_us: int, end_us: int, cols: _Cols) -> None:
    first, last = iso(start_us).date(), iso(end_us - 1).date()
    for kind in BACK_KINDS:
        for part in lake.partitions(kind):
            if not first <= part.day <= last:
                continue
            ids = ["event_id", "order_id"] if kind in ORDER_KINDS else []
            names = ["partner", "kind", "ts", "received_at", "sample_rate", "click_id", *ids]
            t = lake.read(Partition(part.type, part.day), names)
            if t is None or t.num_rows == 0:
                continue
            ts = t.column("ts").cast(pa.int64())
            keep = pc.and_(
                pc.equal(t.column("partner"), slug),
                pc.and_(pc.greater_equal(ts, start_us), pc.less(ts, end_us)),
            )
            cols.add_table(t.filter(keep))


def _inbox_rows(conn: Connection, slug: str, start_us: int, end_us: int, cols: _Cols) -> None:
    rows = conn.execute(
        select(inbox.c.ts_us, inbox.c.kind, inbox.c.received_us, inbox.c.event_id, inbox.c.payload)
        .where(
            inbox.c.stream == "back",
            inbox.c.source == slug,
            inbox.c.ts_us >= start_us,
            inbox.c.ts_us < end_us,
        )
        .order_by(inbox.c.seq)
    ).all()
    if not rows:
        return
    docs = [orjson.loads(r.payload) for r in rows]
    cols.ts.append(np.array([r.ts_us for r in rows], dtype=np.int64))
    cols.received.append(np.array([r.received_us for r in rows], dtype=np.int64))
    cols.clicked.append(np.array([bool(d.get("click_id")) for d in docs]))
    cols.click_ids.update(str(d["click_id"]) for d in docs if d.get("click_id"))
    cols.rate.append(np.array([float(d.get("sample_rate") or 0.0) for d in docs]))
    cols.orders.extend(
        (r.ts_us, r.kind, r.event_id, d["order_id"])
        for r, d in zip(rows, docs, strict=True)
        if r.kind in ORDER_KINDS and d.get("order_id")
    )


def reused_orders(orders: list[tuple[int, str, str, str]]) -> list[int]:
    """Times of purchases (refunds) whose order id an earlier purchase (refund) under another
    event id already had: a shop re-sending an order as a new event. An event seen twice (in
    the lake and, while it is sealed, the inbox) counts once."""
    first: set[tuple[str, str]] = set()
    seen: set[tuple[str, str]] = set()
    out = []
    for ts, kind, event, order in sorted(orders):
        if (kind, event) in seen:
            continue
        seen.add((kind, event))
        if (kind, order) in first:
            out.append(ts)
        else:
            first.add((kind, order))
    return out


def collect(
    conn: Connection,
    lake: Lake,
    partner_id: int,
    slug: str,
    declared: float,
    start_us: int,
    end_us: int,
    rate_tolerance: float = 0.1,
) -> Series:
    """The partner's hourly series over ``[start_us, end_us)`` (both rounded to hours)."""
    start_us, end_us = floor_hour(start_us), floor_hour(end_us - 1) + HOUR_US
    s = Series(start_us, (end_us - start_us) // HOUR_US)
    cols = _Cols()
    _lake_rows(lake, slug, start_us, end_us, cols)
    _inbox_rows(conn, slug, start_us, end_us, cols)
    if cols.ts:
        ts = np.concatenate(cols.ts)
        cell = (ts - start_us) // HOUR_US
        delay = (np.concatenate(cols.received) - ts) / 1e6
        n = s.hours
        s.events = np.bincount(cell, minlength=n)
        s.clicked = np.bincount(cell, weights=np.concatenate(cols.clicked), minlength=n)
        s.late = np.bincount(cell, weights=delay > LATE_S, minlength=n)
        off = np.abs(np.concatenate(cols.rate) - declared) > rate_tolerance
        s.rate_off = np.bincount(cell, weights=off, minlength=n)
        s.delays_s, s.delay_hour = delay, cell
        for name in ("clicked", "late", "rate_off"):
            setattr(s, name, getattr(s, name).astype(np.int64))
    again = np.array(reused_orders(cols.orders), dtype=np.int64)
    if len(again):
        s.reused = np.bincount((again - start_us) // HOUR_US, minlength=s.hours)
    _click_counts(conn, partner_id, s, cols.click_ids)
    _delivery_counts(conn, slug, s)
    return s


def _click_counts(conn: Connection, partner_id: int, s: Series, echoed: set[str]) -> None:
    """Clicks that reached the shop per hour, and how many of them an event echoed."""
    rows = conn.execute(
        select(clicks.c.ts_us, clicks.c.click_id).where(
            and_(
                clicks.c.partner_id == partner_id,
                clicks.c.ts_us >= s.start_us,
                clicks.c.ts_us < s.end_us,
                clicks.c.is_bot.is_(False),
                clicks.c.outcome != NOT_SENT,
            )
        )
    ).all()
    if not rows:
        return
    cell = (np.array([r[0] for r in rows], dtype=np.int64) - s.start_us) // HOUR_US
    hit = np.array([r[1] in echoed for r in rows], dtype=np.float64)
    s.clicks = np.bincount(cell, minlength=s.hours).astype(np.int64)
    s.echoed = np.bincount(cell, weights=hit, minlength=s.hours).astype(np.int64)


def _delivery_counts(conn: Connection, slug: str, s: Series) -> None:
    rows = conn.execute(
        select(intake_counts.c.hour_us, intake_counts.c.received, intake_counts.c.duplicates).where(
            intake_counts.c.source == slug,
            intake_counts.c.hour_us >= s.start_us,
            intake_counts.c.hour_us < s.end_us,
        )
    )
    for h, received, dups in rows:
        i = (int(h) - s.start_us) // HOUR_US
        s.deliveries[i], s.duplicates[i] = int(received), int(dups)


def data_end(conn: Connection, lake_latest_us: int | None = None) -> int | None:
    """The latest time the deployment has data for (any click, any delivery from any source):
    health is judged as of this hour too, so a world dated in the past is judged at its end."""
    got = [
        conn.execute(select(func.max(clicks.c.ts_us))).scalar(),
        conn.execute(select(func.max(intake_counts.c.hour_us) + HOUR_US)).scalar(),
        lake_latest_us,
    ]
    known = [int(x) for x in got if x is not None]
    return max(known) if known else None

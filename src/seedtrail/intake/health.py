"""Backhaul health per partner and hour, and a status (ok/degraded/broken) with reasons.

:class:`Rules` is the spec (thresholds); :func:`assess` is the engine. Inputs: the partner's
back-link events in the window (lake partitions plus the not-yet-sealed inbox), the clicks
seedtrail sent to the partner (``clicks`` table) and delivery counters (``intake_counts``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pyarrow.compute as pc
from sqlalchemy import Connection, and_, func, select

from seedtrail.errors import Forbidden
from seedtrail.intake.directory import PartnerEntry
from seedtrail.lake.layout import Lake, Partition
from seedtrail.messages import N_, Msg
from seedtrail.principals import Principal
from seedtrail.store.schema import clicks, inbox, intake_counts

HOUR_US = 3_600_000_000
LEVELS = ("ok", "degraded", "broken")


def require_reader(actor: Principal, partner_id: int) -> None:
    """Backhaul health is for operators, moderators and the partner itself."""
    if actor.role in ("operator", "moderator"):
        return
    if actor.role == "partner" and actor.partner_id == partner_id:
        return
    raise Forbidden("backhaul health is for operators and the partner itself")


@dataclass(frozen=True)
class Rules:
    min_clicks: int = 20  # below this, an hour says nothing about completeness or gaps
    completeness_degraded: float = 0.6
    completeness_broken: float = 0.2
    sample_rate_tolerance: float = 0.1
    lag_p95_degraded_s: float = 6 * 3600
    duplicates_degraded: float = 0.01
    duplicates_broken: float = 0.2


@dataclass
class Hour:
    hour: str
    received: dict[str, int]
    clicks: int
    visits: int
    completeness: float | None
    observed_sample_rate: float | None
    lag_p50_s: float | None
    lag_p95_s: float | None
    lag_p99_s: float | None
    deliveries: int
    duplicates: int
    duplicate_rate: float | None
    gap: bool
    reused_orders: int = 0  # purchases whose order id an earlier purchase (another event) had


@dataclass
class Health:
    partner: str
    declared_sample_rate: float
    status: str
    reasons: list[str]  # in English; reason_msgs has each as a message key and parameters
    hours: list[Hour] = field(default_factory=list)
    reason_msgs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Events:
    hour: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    lag_us: list[int] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    #: (ts, event id, order id) of each purchase, to find order ids sent under two event ids
    purchases: list[tuple[int, str, str]] = field(default_factory=list)


def _collect(conn: Connection, lake: Lake, slug: str, start_us: int, end_us: int) -> _Events:
    ev = _Events()

    def add(
        ts: int, kind: str, received: int, rate: float, event: str | None, order: str | None
    ) -> None:
        ev.hour.append(ts - ts % HOUR_US)
        ev.kind.append(kind)
        ev.lag_us.append(received - ts)
        ev.rate.append(rate)
        if kind == "purchase" and event and order:
            ev.purchases.append((ts, event, order))

    first = datetime.fromtimestamp(start_us / 1e6, UTC).date()
    last = datetime.fromtimestamp((end_us - 1) / 1e6, UTC).date()
    for part in lake.partitions():
        if not first <= part.day <= last:
            continue
        # the lake is partitioned by event type: only purchases need their ids read
        ids = ["event_id", "order_id"] if part.type == "purchase" else []
        cols = ["partner", "kind", "ts", "received_at", "sample_rate", *ids]
        t = lake.read(Partition(part.type, part.day), cols)
        if t is None or "partner" not in t.column_names:
            continue
        t = t.filter(pc.equal(t.column("partner"), slug))
        ts = t.column("ts").cast("int64").to_pylist()
        rec = t.column("received_at").cast("int64").to_pylist()
        none = [None] * len(ts)
        events = t.column("event_id").to_pylist() if ids else none
        orders = t.column("order_id").to_pylist() if ids else none
        for a, k, r, s, e, o in zip(
            ts, t.column("kind").to_pylist(), rec, t.column("sample_rate").to_pylist(),
            events, orders, strict=True,
        ):  # fmt: skip
            if start_us <= a < end_us:
                add(a, k, r, s, e, o)
    rows = conn.execute(
        select(
            inbox.c.ts_us, inbox.c.kind, inbox.c.received_us, inbox.c.event_id, inbox.c.payload
        ).where(
            inbox.c.stream == "back",
            inbox.c.source == slug,
            inbox.c.ts_us >= start_us,
            inbox.c.ts_us < end_us,
        )
    )
    for ts_us, kind, received_us, event_id, payload in rows:
        doc = orjson.loads(payload)
        add(ts_us, kind, received_us, doc["sample_rate"], event_id, doc.get("order_id"))
    return ev


def _reused_orders(purchases: list[tuple[int, str, str]]) -> Counter[int]:
    """Per hour, purchases whose order id an earlier purchase under another event id already
    had: a shop re-sending an order as a new event (attribution would count its GMV twice). An
    event seen twice (in the lake and, while it is sealed, the inbox) counts once."""
    first: dict[str, str] = {}
    seen: set[str] = set()
    out: Counter[int] = Counter()
    for ts, event, order in sorted(purchases):
        if event in seen:
            continue
        seen.add(event)
        if order in first:
            out[ts - ts % HOUR_US] += 1
        else:
            first[order] = event
    return out


def assess(
    conn: Connection,
    lake: Lake,
    partner: PartnerEntry,
    end: datetime,
    hours: int = 24,
    rules: Rules | None = None,
) -> Health:
    rules = rules or Rules()
    end_us = int(end.timestamp() * 1e6)
    end_us -= end_us % HOUR_US
    start_us = end_us - hours * HOUR_US
    ev = _collect(conn, lake, partner.slug, start_us, end_us)
    hour_of_click = clicks.c.ts_us - clicks.c.ts_us % HOUR_US
    sent: dict[int, int] = dict(
        conn.execute(
            select(hour_of_click, func.count())
            .where(
                and_(
                    clicks.c.partner_id == partner.id,
                    clicks.c.ts_us >= start_us,
                    clicks.c.ts_us < end_us,
                    clicks.c.is_bot.is_(False),
                )
            )
            .group_by(hour_of_click)
        ).all()
    )
    counts = {
        h: (r, d)
        for h, r, d in conn.execute(
            select(
                intake_counts.c.hour_us, intake_counts.c.received, intake_counts.c.duplicates
            ).where(
                intake_counts.c.source == partner.slug,
                intake_counts.c.hour_us >= start_us,
                intake_counts.c.hour_us < end_us,
            )
        )
    }
    by_hour: dict[int, list[int]] = defaultdict(list)
    for i, h in enumerate(ev.hour):
        by_hour[h].append(i)
    reused = _reused_orders(ev.purchases)
    lag = np.asarray(ev.lag_us, dtype=np.float64) / 1e6
    rate = np.asarray(ev.rate, dtype=np.float64)
    out: list[Hour] = []
    for h in range(start_us, end_us, HOUR_US):
        idx = by_hour.get(h, [])
        kinds = Counter(ev.kind[i] for i in idx)
        n_clicks = int(sent.get(h, 0))
        visits = kinds.get("store_visit", 0)
        delivered, dups = counts.get(h, (0, 0))
        p50 = p95 = p99 = None
        if idx:
            p50, p95, p99 = (float(x) for x in np.percentile(lag[idx], [50, 95, 99]))
        out.append(
            Hour(
                hour=datetime.fromtimestamp(h / 1e6, UTC).isoformat(),
                received=dict(sorted(kinds.items())),
                clicks=n_clicks,
                visits=visits,
                completeness=(visits / (n_clicks * partner.declared_sample_rate))
                if n_clicks
                else None,
                observed_sample_rate=float(rate[idx].mean()) if idx else None,
                lag_p50_s=p50,
                lag_p95_s=p95,
                lag_p99_s=p99,
                deliveries=int(delivered),
                duplicates=int(dups),
                duplicate_rate=(dups / delivered) if delivered else None,
                gap=n_clicks >= rules.min_clicks and not idx,
                reused_orders=reused.get(h, 0),
            )
        )
    status, found = judge(out, partner.declared_sample_rate, rules)
    reasons = [m.english for m in found]
    msgs = [m.as_dict() for m in found]
    return Health(partner.slug, partner.declared_sample_rate, status, reasons, out, msgs)


def judge(hours: list[Hour], declared: float, rules: Rules) -> tuple[str, list[Msg]]:
    """The status is the worst finding; each finding becomes one reason naming its hours."""
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    gaps: dict[int, list[str]] = defaultdict(list)  # by the clicks sent: one reason each
    for h in hours:
        if h.gap:
            gaps[h.clicks].append(h.hour)
        elif h.completeness is not None and h.clicks >= rules.min_clicks:
            if h.completeness < rules.completeness_broken:
                found[(2, N_("health.reason.completeness_broken"))].append(h.hour)
            elif h.completeness < rules.completeness_degraded:
                found[(1, N_("health.reason.completeness_low"))].append(h.hour)
        if (
            h.observed_sample_rate is not None
            and abs(h.observed_sample_rate - declared) > rules.sample_rate_tolerance
        ):
            found[(1, N_("health.reason.sample_rate"))].append(h.hour)
        if h.lag_p95_s is not None and h.lag_p95_s > rules.lag_p95_degraded_s:
            found[(1, N_("health.reason.lag"))].append(h.hour)
        if h.reused_orders:
            found[(1, N_("health.reason.reused_orders"))].append(h.hour)
        if h.duplicate_rate is not None:
            if h.duplicate_rate > rules.duplicates_broken:
                found[(2, N_("health.reason.duplicates_most"))].append(h.hour)
            elif h.duplicate_rate > rules.duplicates_degraded:
                found[(1, N_("health.reason.duplicates"))].append(h.hour)
    level = max([lvl for lvl, _ in found] + [2] * bool(gaps), default=0)
    ranked = [
        ((-lvl, _ORDER[code], ""), Msg(code, _found(hs, declared)))
        for (lvl, code), hs in found.items()
    ]
    ranked += [
        (
            (-2, _ORDER["health.reason.gap"], str(n)),
            Msg(N_("health.reason.gap"), _found(hs, declared) | {"clicks": n}),
        )
        for n, hs in gaps.items()
    ]
    return LEVELS[level], [m for _, m in sorted(ranked, key=lambda r: r[0])]


def _found(hours: list[str], declared: float) -> dict[str, Any]:
    return {"hours": len(hours), "first": hours[0], "declared": declared}


# The order reasons were listed in before they had keys (by their English text).
_ORDER = {
    code: i
    for i, code in enumerate(
        (
            "health.reason.completeness_low",
            "health.reason.completeness_broken",
            "health.reason.duplicates_most",
            "health.reason.duplicates",
            "health.reason.gap",
            "health.reason.lag",
            "health.reason.reused_orders",
            "health.reason.sample_rate",
        )
    )
}


def window_end(now: datetime | None = None) -> datetime:
    """Health looks at whole hours: the window ends at the start of the current hour."""
    now = now or datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0)

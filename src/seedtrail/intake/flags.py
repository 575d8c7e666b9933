"""Flagged windows: the spans of time in which a partner's backhaul was degraded, each with its
kind and evidence. Reports mark every figure that depends on a flagged window; ``seedtrail
health --json`` prints them one per line.

Kinds: ``gap`` (far fewer events than the partner's own history predicts, see
:mod:`seedtrail.intake.gaps`), ``lag`` (an unusual share delivered late, or the latest hours,
whose events are still arriving), ``duplicates`` (an unusual share of repeated deliveries),
``orders_again`` (an order id re-sent under a new event id), ``sample_rate`` (events whose
sample rate is not the declared one) and ``held`` (an operator's hold in force, :mod:`.holds`:
it withholds all the partner's figures, so its flag spans the whole window asked for).

Health is judged as of the latest time the deployment has data for, never past it: a world dated
in the past is judged at its end, and a live deployment at the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
from scipy import stats
from sqlalchemy import Connection, select

from seedtrail.core.errors import NotFound, not_found
from seedtrail.intake import gaps, holds
from seedtrail.intake.directory import PartnerEntry
from seedtrail.intake.series import HOUR_US, Series, collect, data_end, floor_hour, iso, to_us
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import partners

Kind = Literal["gap", "lag", "duplicates", "orders_again", "sample_rate", "held"]
KINDS: tuple[str, ...] = ("gap", "lag", "duplicates", "orders_again", "sample_rate", "held")
#: The first hour a history can start at (year 1: a datetime holds none before it).
FIRST_HOUR = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rules:
    alpha: float = 0.1  # expected false alarms per partner per 30 days, per statistical test
    history_days: int = 28  # history learnt before the window asked for
    provisional: float = 0.02  # flag the latest hours while more than this share is to arrive
    late_floor: float = 0.05  # a late share below this is never unusual
    duplicates_floor: float = 0.01  # a duplicate share below this is never unusual
    excess: float = 2.0  # and an unusual share is at least this many times the usual one
    sample_rate_tolerance: float = 0.1
    sample_rate_share: float = 0.1  # of an hour's events off the declared rate


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python numbers (JSON-ready)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Flag:
    partner: str
    kind: str
    start: datetime
    end: datetime
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "partner": self.partner,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "evidence": plain(self.evidence),
        }

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass
class Assessment:
    """The series health was judged on, its expected events and the flags found."""

    partner: PartnerEntry
    as_of: datetime
    series: Series
    expected: np.ndarray
    flags: list[Flag]


def entry(conn: Connection, partner: str | int | PartnerEntry) -> PartnerEntry:
    if isinstance(partner, PartnerEntry):
        return partner
    col = partners.c.id if isinstance(partner, int) else partners.c.slug
    row = conn.execute(
        select(partners.c.id, partners.c.slug, partners.c.declared_sample_rate).where(
            col == partner
        )
    ).first()
    if row is None:
        raise NotFound(not_found("partner", repr(partner)))
    return PartnerEntry(row.id, row.slug, float(row.declared_sample_rate), (), 0.0)


def as_of(conn: Connection, end: datetime, now: datetime | None = None) -> datetime:
    """The hour health is judged at: ``end``, the wall clock and the deployment's latest data,
    whichever is earliest (rounded up to a whole hour)."""
    now = now or datetime.now(UTC)
    latest = data_end(conn)
    limit = min(to_us(end), to_us(now), latest if latest is not None else to_us(now))
    return iso(floor_hour(limit - 1) + HOUR_US)


def assess(
    conn: Connection,
    lake: Lake,
    partner: str | int | PartnerEntry,
    start: datetime,
    end: datetime,
    rules: Rules | None = None,
    now: datetime | None = None,
) -> Assessment:
    rules = rules or Rules()
    p = entry(conn, partner)
    at = as_of(conn, end, now)
    looked_from = min(start, at - timedelta(hours=1))
    # history learnt before the window: as many days as the rules say, none before year 1
    first = looked_from - min(timedelta(days=rules.history_days), looked_from - FIRST_HOUR)
    s = collect(
        conn, lake, p.id, p.slug, p.declared_sample_rate, to_us(first), to_us(at),
        rules.sample_rate_tolerance,
    )  # fmt: skip
    s = s.tail(s.active_from())  # history starts with the partner's first data
    found, mu = _data_flags(p, s, to_us(at), rules)
    keep = [f for f in found if f.overlaps(start, end)]
    if (h := holds.current(conn, p.id)) is not None:
        keep.append(_held(p, h, start, end))
    return Assessment(p, at, s, mu, sorted(keep, key=lambda f: (f.start, f.kind)))


def flagged_windows(
    conn: Connection,
    lake: Lake,
    partner: str | int | PartnerEntry,
    start: datetime,
    end: datetime,
    rules: Rules | None = None,
) -> list[Flag]:
    """Every window in ``[start, end)`` in which ``partner``'s data were degraded or held."""
    return assess(conn, lake, partner, start, end, rules).flags


def holds_in_force(conn: Connection) -> dict[str, holds.Hold]:
    """Partners held now, by slug (their figures are withheld from brand reports)."""
    return holds.holds_in_force(conn)


def _held(p: PartnerEntry, h: holds.Hold, start: datetime, end: datetime) -> Flag:
    """A hold in force withholds every figure of the partner, whatever its dates: the flag
    spans the whole window asked for."""
    evidence = {
        "reason": h.reason, "held_by": h.held_by, "held_at": h.held_at.isoformat(),
        "in_force": True,
    }  # fmt: skip
    return Flag(p.slug, "held", start, end, evidence)


def _window(p: PartnerEntry, s: Series, kind: str, lo: int, hi: int, ev: dict[str, Any]) -> Flag:
    return Flag(p.slug, kind, iso(s.hour_us(lo)), iso(s.hour_us(hi)), ev)


def _data_flags(
    p: PartnerEntry, s: Series, at_us: int, rules: Rules
) -> tuple[list[Flag], np.ndarray]:
    if s.hours == 0:
        return [], np.zeros(0)
    out: list[Flag] = []
    found = gaps.find_gaps(s, at_us, rules.alpha)
    for w in found.windows:
        evidence = {
            "events": int(s.events[w.lo : w.hi].sum()),
            "expected": round(float(found.expected[w.lo : w.hi].sum()), 2),
            "clicks_sent": int(s.clicks[w.lo : w.hi].sum()),
            "clicks_echoed": int(s.echoed[w.lo : w.hi].sum()),
            "echoes_expected": round(float(found.echoes[w.lo : w.hi].sum()), 2),
            "p_value": float(f"{w.p:.3g}"),
        }
        out.append(_window(p, s, "gap", w.lo, w.hi, evidence))
    out += _share_flags(p, s, "lag", s.late, s.events, rules.late_floor, rules)
    out += _provisional(p, s, at_us, rules)
    dup_floor = rules.duplicates_floor
    out += _share_flags(p, s, "duplicates", s.duplicates, s.deliveries, dup_floor, rules)
    out += _runs(p, s, "orders_again", s.reused > 0, s.reused, "orders_again")
    off = (s.rate_off > 0) & (s.rate_off >= rules.sample_rate_share * np.maximum(s.events, 1))
    out += _runs(p, s, "sample_rate", off, s.rate_off, "events_off_declared_rate", p)
    return out, found.expected


def _share_flags(
    p: PartnerEntry,
    s: Series,
    kind: str,
    hits: np.ndarray,
    total: np.ndarray,
    floor: float,
    rules: Rules,
) -> list[Flag]:
    """Windows where ``hits / total`` is unusually high: a binomial upper tail against the
    partner's usual share (never below ``floor``), and at least ``rules.excess`` times it."""
    n_all = total.sum()
    if n_all == 0:
        return []
    base = max(float(hits.sum()) / float(n_all), floor)
    obs, n = hits.astype(np.float64), total.astype(np.float64)

    def tail(length: int, o: np.ndarray, m: np.ndarray) -> np.ndarray:
        p_value = stats.binom.sf(o - 1, m, base)
        return np.asarray(np.where(o >= rules.excess * base * m, p_value, 1.0), dtype=np.float64)

    found = gaps.scan(obs, tail, n, gaps.threshold(rules.alpha))
    out = []
    for w in found:
        evidence = {
            kind: int(w.observed),
            "of": int(w.expected),
            "share": round(float(w.observed) / max(float(w.expected), 1.0), 4),
            "usual_share": round(float(base), 4),
            "p_value": float(f"{w.p:.3g}"),
        }
        out.append(_window(p, s, kind, w.lo, w.hi, evidence))
    return out


def _provisional(p: PartnerEntry, s: Series, at_us: int, rules: Rules) -> list[Flag]:
    """The latest hours, whose events are still arriving: figures over them will still grow."""
    arrived = gaps.arrived_by(s, at_us)
    open_hours = np.flatnonzero(arrived < 1.0 - rules.provisional)
    if len(open_hours) == 0:
        return []
    lo = int(open_hours[0])
    a = np.maximum(arrived[lo:], 1e-3)
    to_come = float((s.events[lo:] * (1.0 - a) / a).sum())
    if to_come < 1.0:  # less than one event to come: nothing a figure would show
        return []
    evidence = {
        "provisional": True,
        "still_to_arrive": round(float(1.0 - arrived[lo:].mean()), 4),
        "events_to_come": round(to_come, 1),
        "as_of": iso(at_us).isoformat(),
    }
    return [_window(p, s, "lag", lo, s.hours, evidence)]


def _runs(
    p: PartnerEntry,
    s: Series,
    kind: str,
    on: np.ndarray,
    counts: np.ndarray,
    label: str,
    declared: PartnerEntry | None = None,
) -> list[Flag]:
    """Consecutive flagged hours as windows, with the count in each."""
    out: list[Flag] = []
    idx = np.flatnonzero(on)
    if len(idx) == 0:
        return out
    breaks = np.flatnonzero(np.diff(idx) > 1)
    for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(idx) - 1], strict=True):
        lo, hi = int(idx[a]), int(idx[b]) + 1
        ev: dict[str, object] = {label: int(counts[lo:hi].sum())}
        if declared is not None:
            ev["declared_sample_rate"] = declared.declared_sample_rate
        out.append(_window(p, s, kind, lo, hi, ev))
    return out

"""Backhaul health per partner and hour, and a status (ok/degraded/broken, or no_data when the
window holds nothing to judge) with reasons.

The per-hour figures come from :mod:`seedtrail.intake.series` (the partner's back-link events in
the lake and the not-yet-sealed inbox, the clicks that reached its shop, delivery counters); the
findings are :mod:`seedtrail.intake.flags`' flagged windows (statistical tests against the
partner's own history). Health is judged as of the deployment's latest data, never past it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection

from seedtrail.core.errors import Forbidden
from seedtrail.core.principals import Principal
from seedtrail.intake import flags as flagging
from seedtrail.intake.directory import PartnerEntry
from seedtrail.intake.flags import Flag, Rules, plain
from seedtrail.intake.series import HOUR_US, Series, iso, to_us
from seedtrail.lake.layout import Lake
from seedtrail.messages import N_, Msg, MsgJSON

__all__ = ["HOUR_US", "LEVELS", "NO_DATA", "Health", "Hour", "Rules", "assess", "require_reader"]
LEVELS = ("ok", "degraded", "broken")
#: no click sent and nothing sent back in the window: nothing to judge, so neither ok nor a fault
NO_DATA = "no_data"
#: the status a finding of each kind sets (a hold is a reason, not a data fault)
LEVEL_OF = {"gap": 2, "lag": 1, "duplicates": 1, "orders_again": 1, "sample_rate": 1, "held": 0}


def require_reader(actor: Principal, partner_id: int) -> None:
    """Backhaul health is for operators, moderators and the partner itself."""
    if actor.role in ("operator", "moderator"):
        return
    if actor.role == "partner" and actor.partner_id == partner_id:
        return
    raise Forbidden(Msg("problem.forbidden.health"))


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
    as_of: str = ""  # the hour health was judged at (the deployment's latest data, or now)
    flags: list[Flag] = field(default_factory=list)
    reason_msgs: list[MsgJSON] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types only (the statistics are computed with numpy)."""
        shown: dict[str, object] = plain(asdict(self))
        return shown


def assess(
    conn: Connection,
    lake: Lake,
    partner: PartnerEntry,
    end: datetime,
    hours: int = 24,
    rules: Rules | None = None,
) -> Health:
    """The ``hours`` whole hours before ``end`` (or before the deployment's latest data, if that
    is earlier): per-hour figures, flagged windows, status and reasons."""
    end = flagging.as_of(conn, end)
    start = end - timedelta(hours=hours)
    found = flagging.assess(conn, lake, partner, start, end, rules)
    s, lo = found.series, max((to_us(start) - found.series.start_us) // HOUR_US, 0)
    gap_hours = {
        h for f in found.flags if f.kind == "gap"
        for h in range(to_us(f.start), to_us(f.end), HOUR_US)
    }  # fmt: skip
    out = [_hour(s, i, partner.declared_sample_rate, gap_hours) for i in range(lo, s.hours)]
    status, found_msgs = judge(found.flags)
    if status == "ok" and not any(h.clicks or h.received["events"] or h.deliveries for h in out):
        status = NO_DATA  # a hold (a reason, not a fault) may still be in force
    return Health(
        partner.slug, partner.declared_sample_rate, status, [m.english for m in found_msgs],
        out, end.isoformat(), found.flags, [m.as_dict() for m in found_msgs],
    )  # fmt: skip


def _hour(s: Series, i: int, declared: float, gap_hours: set[int]) -> Hour:
    cell = s.delay_hour == i
    lag = s.delays_s[cell]
    p50 = p95 = p99 = None
    if len(lag):
        p50, p95, p99 = (float(x) for x in np.percentile(lag, [50, 95, 99]))
    n_clicks, events = int(s.clicks[i]), int(s.events[i])
    delivered, dups = int(s.deliveries[i]), int(s.duplicates[i])
    return Hour(
        hour=iso(s.hour_us(i)).isoformat(),
        received={"events": events, "with_click": int(s.clicked[i]), "late": int(s.late[i])},
        clicks=n_clicks,
        visits=int(s.echoed[i]),
        completeness=(int(s.echoed[i]) / (n_clicks * declared)) if n_clicks else None,
        observed_sample_rate=None if not events else declared * (1 - int(s.rate_off[i]) / events),
        lag_p50_s=p50,
        lag_p95_s=p95,
        lag_p99_s=p99,
        deliveries=delivered,
        duplicates=dups,
        duplicate_rate=(dups / delivered) if delivered else None,
        gap=s.hour_us(i) in gap_hours,
        reused_orders=int(s.reused[i]),
    )


def describe(f: Flag) -> Msg:
    """One message per flagged window, for people (the CLI, the dashboard and the alert)."""
    ev = f.evidence
    span = {"start": f.start.isoformat()[:16], "end": f.end.isoformat()[:16]}
    if f.kind == "gap":
        return Msg(
            N_("health.flag.gap"),
            span | {
                "events": ev["events"], "expected": ev["expected"],
                "echoed": ev["clicks_echoed"], "sent": ev["clicks_sent"], "p": ev["p_value"],
            },
        )  # fmt: skip
    if f.kind == "lag" and ev.get("provisional"):
        to_come = f"{100 * ev['still_to_arrive']:.1f}%"
        return Msg(N_("health.flag.lag_provisional"), span | {"to_come": to_come})
    if f.kind in ("lag", "duplicates"):
        key = N_("health.flag.lag") if f.kind == "lag" else N_("health.flag.duplicates")
        usual = f"{ev['usual_share']:.1%}"
        return Msg(key, span | {"n": ev[f.kind], "of": ev["of"], "usual": usual})
    if f.kind == "orders_again":
        return Msg(N_("health.flag.orders_again"), span | {"n": ev["orders_again"]})
    if f.kind == "sample_rate":
        return Msg(
            N_("health.flag.sample_rate"),
            span | {"n": ev["events_off_declared_rate"], "declared": ev["declared_sample_rate"]},
        )
    return Msg(N_("health.flag.held"), span | {"by": ev["held_by"], "reason": ev["reason"]})


def judge(found: list[Flag]) -> tuple[str, list[Msg]]:
    """The status is the worst finding; each flagged window becomes one reason."""
    level = max((LEVEL_OF[f.kind] for f in found), default=0)
    ordered = sorted(found, key=lambda f: (-LEVEL_OF[f.kind], f.start))
    return LEVELS[level], [describe(f) for f in ordered]


def window_end(now: datetime | None = None) -> datetime:
    """Health looks at whole hours: the window ends at the start of the current hour."""
    now = now or datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0)

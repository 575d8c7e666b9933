"""Partners' backhaul health over time (completeness, lag, duplicates, gaps), from
:mod:`seedtrail.intake.health` — the same assessment ``GET /partners/{p}/health`` returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response

from seedtrail.core import resources
from seedtrail.core.errors import Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.intake import health, holds
from seedtrail.intake.directory import PartnerEntry
from seedtrail.lake.layout import Lake
from seedtrail.links import partners
from seedtrail.messages import Msg
from seedtrail.web import charts
from seedtrail.web.render import Ctx, action, page, redirect

HOURS = (24, 72, 168)
#: The earliest end of a window: the longest window still starts on a date.
EARLIEST_END = datetime.min.replace(tzinfo=UTC) + timedelta(hours=max(HOURS))


def load_health(
    conn: Connection,
    lake: Lake,
    actor: Principal,
    *,
    hours: int,
    end: datetime | None,
) -> list[dict[str, Any]]:
    """Every partner ``actor`` may see the health of, assessed over ``hours`` up to ``end`` (or
    the deployment's latest data, if earlier), with its hold in force if any."""
    out = []
    for p in resources.list_rows(conn, partners.RESOURCE, actor, {}, limit=1000):
        try:
            health.require_reader(actor, p["id"])
        except Forbidden:
            continue
        entry = PartnerEntry(p["id"], p["slug"], float(p["declared_sample_rate"]), (), 0.0)
        h = health.assess(conn, lake, entry, end or health.window_end(), hours)
        out.append({"partner": p, "health": h, "hold": holds.current(conn, p["id"])})
    return out


def _charts(ctx: Ctx, h: health.Health) -> dict[str, object]:
    def series(name: str, attr: str, scale: float = 1.0) -> charts.Series:
        return charts.Series(
            name,
            [
                (x.hour[5:13].replace("T", " "), None if v is None else v * scale)
                for x in h.hours
                for v in [getattr(x, attr)]
            ],
        )

    t = ctx.t
    return {
        "flow": charts.line(
            [series(t("health.clicks"), "clicks"), series(t("health.visits"), "visits")],
            label=t("health.flow"),
        ),
        "completeness": charts.line(
            [
                series(t("health.completeness"), "completeness", 100),
                series(t("health.duplicates"), "duplicate_rate", 100),
            ],
            label=t("health.completeness"),
            digits=1,
        ),
        "lag": charts.line([series(t("health.lag_p95"), "lag_p95_s")], label=t("health.lag_p95")),
        "gaps": [x.hour for x in h.hours if x.gap],
    }


@page
def health_page(ctx: Ctx) -> Response:
    try:
        hours = int(ctx.query.get("hours", "24"))
        end_q = ctx.query.get("end")
        end = datetime.fromisoformat(end_q).replace(tzinfo=UTC) if end_q else None
    except ValueError as exc:
        raise InvalidInput(Msg("web.error.health_window", {"error": str(exc)})) from exc
    if end is not None and end < EARLIEST_END:  # the window would start before year 1
        raise InvalidInput(Msg("web.error.health_end", {"end": end_q, "min": EARLIEST_END.date()}))
    if hours not in HOURS:
        raise InvalidInput(Msg("web.error.health_hours", {"hours": str(HOURS)}))
    lake = Lake(ctx.web.settings.effective_lake_url)
    with ctx.web.store.read() as conn:
        rows = load_health(conn, lake, ctx.user, hours=hours, end=end)
    for r in rows:
        r.update(_charts(ctx, r["health"]))
    return ctx.render("health.html", rows=rows, hours=hours, choices=HOURS, end=end_q or "")


@action
def hold(ctx: Ctx, form: dict[str, str]) -> Response:
    """Hold a partner's figures (operators; audited)."""
    with ctx.web.store.transaction() as conn:
        holds.hold(conn, ctx.user, ctx.ident, form.get("reason", ""))
    return redirect("/ui/health")


@action
def release(ctx: Ctx, form: dict[str, str]) -> Response:
    """Release a partner's hold (operators; audited)."""
    with ctx.web.store.transaction() as conn:
        pid = ctx.ident
        holds.release(conn, ctx.user, pid, form.get("reason", ""))
    return redirect("/ui/health")

"""The backhaul alert: remember each partner's last status; when it changes, POST the new health
to the webhook. The new status is remembered only once the webhook took it (a failed POST is
retried on the next check)."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import Connection, insert, select, update

from seedtrail.intake.directory import PartnerEntry
from seedtrail.intake.health import NO_DATA, Health, assess
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import backhaul_status
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow


def changed(conn: Connection, partner_id: int, health: Health) -> bool:
    """Whether ``health.status`` differs from the last remembered one (a first check counts as a
    change from ok)."""
    before = conn.execute(
        select(backhaul_status.c.status).where(backhaul_status.c.partner_id == partner_id)
    ).scalar()
    return (before or "ok") != health.status


def remember(conn: Connection, partner_id: int, health: Health) -> None:
    values: dict[str, object] = {
        "status": health.status,
        "reasons": health.reasons,
        "changed_at": utcnow(),
    }
    exists = conn.execute(
        select(backhaul_status.c.partner_id).where(backhaul_status.c.partner_id == partner_id)
    ).first()
    if exists:
        conn.execute(
            update(backhaul_status).where(backhaul_status.c.partner_id == partner_id).values(values)
        )
    else:
        conn.execute(insert(backhaul_status).values(partner_id=partner_id, **values))


def notify(
    conn: Connection, partner_id: int, health: Health, webhook_url: str | None, previous: str
) -> bool:
    """Send the alert if the status changed; return whether one was sent. A window with
    nothing to judge (``no_data``: a quiet partner, a quiet hour) neither alerts nor replaces the
    last judged status, so quiet hours do not flap ok → no_data → ok."""
    if health.status == NO_DATA or not changed(conn, partner_id, health):
        return False
    if webhook_url:
        doc = {
            "event": "backhaul.status_changed",
            "partner": health.partner,
            "previous": previous,
            "status": health.status,
            "reasons": health.reasons,
            "as_of": health.as_of,
            "flags": [f.to_dict() for f in health.flags],
        }
        resp = httpx.post(webhook_url, json=doc, timeout=5.0)
        resp.raise_for_status()
    remember(conn, partner_id, health)
    return bool(webhook_url)


def previous_status(conn: Connection, partner_id: int) -> str:
    got = conn.execute(
        select(backhaul_status.c.status).where(backhaul_status.c.partner_id == partner_id)
    ).scalar()
    return str(got or "ok")


def check(
    store: Store,
    lake: Lake,
    partner: PartnerEntry,
    webhook_url: str | None,
    end: datetime,
    hours: int = 24,
) -> tuple[Health, bool]:
    """Assess one partner and alert on a status change; returns (health, alert sent)."""
    with store.transaction() as conn:
        health = assess(conn, lake, partner, end, hours)
        previous = previous_status(conn, partner.id)
        sent = notify(conn, partner.id, health, webhook_url, previous)
    return health, sent

"""Who may read which logged clicks, and counts over them.

:func:`scope` is the one place that says which clicks a principal sees: the API's click log and
the dashboard's performance tables both filter through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, true

from seedtrail.contracts import SENT_OUTCOMES
from seedtrail.core.errors import forbidden
from seedtrail.core.principals import Principal
from seedtrail.messages import N_
from seedtrail.store import paging
from seedtrail.store.schema import clicks, notes, offers

DAY_US = 86_400_000_000


def scope(actor: Principal) -> ColumnElement[bool]:
    """The clicks ``actor`` may read: a partner its own, a brand or creator those on its offers
    or notes, an operator all; anyone else none (:class:`Forbidden`)."""
    if actor.role == "operator":
        return true()
    if actor.role == "partner":
        return clicks.c.partner_id == actor.partner_id
    if actor.role in ("brand", "creator"):
        a = actor.account_id
        return clicks.c.offer_id.in_(select(offers.c.id).where(offers.c.owner_id == a)) | (
            clicks.c.note_id.in_(select(notes.c.id).where(notes.c.author_id == a))
        )
    raise forbidden(actor.role, N_("problem.forbidden.read"), "clicks")


def counted() -> ColumnElement[bool]:
    """Clicks that count (:data:`seedtrail.contracts.COUNTED_CLICK_SQL`): not from bots or
    link-preview fetchers, not repeats, and sent on to the shop (a closed link's 410 is not)."""
    return (
        clicks.c.is_bot.is_(False)
        & clicks.c.is_duplicate.is_(False)
        & clicks.c.outcome.in_(SENT_OUTCOMES)
    )


#: The click log, newest first (paged with :func:`seedtrail.store.paging.read`).
LOG = paging.Listing("clicks", ((clicks.c.id, True),))


def log_query(
    actor: Principal, *, mount_id: int | None = None, counted_only: bool = False
) -> Select[Any]:
    """The clicks ``actor`` may see, unordered (``LOG`` orders them)."""
    q = select(clicks).where(scope(actor))
    if mount_id is not None:
        q = q.where(clicks.c.mount_id == mount_id)
    if counted_only:
        q = q.where(counted())
    return q


def per_mount(conn: Connection, actor: Principal) -> dict[int, dict[str, int]]:
    """Per mount: all logged clicks and those that count."""
    rows = conn.execute(
        select(clicks.c.mount_id, func.count(), func.count().filter(counted()))
        .where(scope(actor))
        .group_by(clicks.c.mount_id)
    )
    return {m: {"clicks": int(n), "counted": int(c or 0)} for m, n, c in rows}


def per_day(
    conn: Connection, actor: Principal, *, note_ids: list[int] | None = None
) -> list[tuple[str, int]]:
    """Counted clicks per UTC day (days without clicks are left out)."""
    day = clicks.c.ts_us - clicks.c.ts_us % DAY_US
    q = select(day, func.count()).where(scope(actor), counted()).group_by(day).order_by(day)
    if note_ids is not None:
        q = q.where(clicks.c.note_id.in_(note_ids))
    return [
        (datetime.fromtimestamp(d / 1e6, UTC).date().isoformat(), int(n))
        for d, n in conn.execute(q)
    ]

"""Operator holds on a partner's backhaul, the way the community in the articles paused its
sampled backhaul in 2023 when data went missing: while a hold is in force the partner's figures
are withheld from brand reports with the stated reason, until an operator releases it. Holding
and releasing are audited (``partner.hold`` / ``partner.release``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from seedtrail.core.errors import Conflict, Forbidden, InvalidInput, NotFound, not_found
from seedtrail.core.principals import Principal
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit
from seedtrail.store.schema import partner_holds, partners
from seedtrail.store.types import utcnow


@dataclass(frozen=True)
class Hold:
    id: int
    partner_id: int
    partner: str  # slug
    reason: str
    held_by: str
    held_at: datetime
    released_by: str | None = None
    released_at: datetime | None = None
    release_reason: str | None = None

    @property
    def in_force(self) -> bool:
        return self.released_at is None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "in_force": self.in_force}


def _require_operator(actor: Principal, what: str) -> None:
    if actor.role != "operator":
        raise Forbidden(Msg(what, {"role": term("role", actor.role)}))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise InvalidInput(Msg("problem.invalid-input.reason_length"))
    return reason


def _select() -> Any:
    return select(partner_holds, partners.c.slug).join(
        partners, partners.c.id == partner_holds.c.partner_id
    )


def _hold(row: Any) -> Hold:
    m = row._mapping
    return Hold(
        m["id"],
        m["partner_id"],
        m["slug"],
        m["reason"],
        m["held_by"],
        m["held_at"],
        m["released_by"],
        m["released_at"],
        m["release_reason"],
    )


def _partner_slug(conn: Connection, partner_id: int) -> str:
    slug = conn.execute(select(partners.c.slug).where(partners.c.id == partner_id)).scalar()
    if slug is None:
        raise NotFound(not_found("partner", partner_id))
    return str(slug)


def current(conn: Connection, partner_id: int) -> Hold | None:
    row = conn.execute(
        _select().where(
            partner_holds.c.partner_id == partner_id, partner_holds.c.released_at.is_(None)
        )
    ).first()
    return _hold(row) if row else None


def hold(conn: Connection, actor: Principal, partner_id: int, reason: str) -> Hold:
    """Hold ``partner_id``'s figures (operators only); 409 if a hold is already in force."""
    _require_operator(actor, N_("problem.forbidden.hold"))
    reason = _reason(reason)
    _partner_slug(conn, partner_id)
    if (existing := current(conn, partner_id)) is not None:
        raise Conflict(
            Msg("problem.conflict.held", {"partner": existing.partner, "at": str(existing.held_at)})
        )
    hold_id = conn.execute(
        insert(partner_holds).returning(partner_holds.c.id),
        {"partner_id": partner_id, "reason": reason, "held_by": actor.label, "held_at": utcnow()},
    ).scalar_one()
    made = current(conn, partner_id)
    assert made is not None and made.id == hold_id
    audit.record(
        conn,
        actor=actor.label,
        action="partner.hold",
        object_type="partner",
        object_id=partner_id,
        before={"held": False},
        after={"held": True, "hold_id": hold_id},
        detail={"reason": reason},
    )
    return made


def release(conn: Connection, actor: Principal, partner_id: int, reason: str) -> Hold:
    """Release the hold in force on ``partner_id`` (operators only); 409 if there is none."""
    _require_operator(actor, N_("problem.forbidden.release"))
    reason = _reason(reason)
    slug = _partner_slug(conn, partner_id)
    existing = current(conn, partner_id)
    if existing is None:
        raise Conflict(Msg("problem.conflict.not_held", {"partner": slug}))
    conn.execute(
        update(partner_holds)
        .where(partner_holds.c.id == existing.id)
        .values(released_by=actor.label, released_at=utcnow(), release_reason=reason)
    )
    audit.record(
        conn,
        actor=actor.label,
        action="partner.release",
        object_type="partner",
        object_id=partner_id,
        before={"held": True, "hold_id": existing.id},
        after={"held": False},
        detail={"reason": reason, "held_since": existing.held_at},
    )
    done = history(conn, partner_id)[0]
    return done


def holds_in_force(conn: Connection) -> dict[str, Hold]:
    """Every partner held now, by slug: what a brand report withholds."""
    rows = conn.execute(_select().where(partner_holds.c.released_at.is_(None))).all()
    return {h.partner: h for h in map(_hold, rows)}


def history(
    conn: Connection,
    partner_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Hold]:
    """The partner's holds, newest first; with ``start``/``end``, those in force at some time
    in between."""
    q = _select().where(partner_holds.c.partner_id == partner_id)
    if end is not None:
        q = q.where(partner_holds.c.held_at < end)
    if start is not None:
        q = q.where(or_(partner_holds.c.released_at.is_(None), partner_holds.c.released_at > start))
    rows = conn.execute(q.order_by(partner_holds.c.held_at.desc(), partner_holds.c.id.desc()))
    return [_hold(r) for r in rows]

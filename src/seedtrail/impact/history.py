"""Past policy changes, read from the audit log: every rule created, changed or deleted and every
partner kill switch, with the change each one made (what it touched and from which day) or the
reason its impact cannot be measured (it touched everything, or names nothing still known)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, or_, select

from seedtrail.core.errors import InvalidInput, SeedtrailError, forbidden
from seedtrail.core.principals import Principal
from seedtrail.impact.change import Change, from_entry, partner_slugs
from seedtrail.lake.layout import Lake
from seedtrail.messages import N_, Msg
from seedtrail.store.schema import audit_log

LIMIT = 200
READERS = frozenset({"operator"})


def require_reader(actor: Principal) -> None:
    """Operators only: the figures cover every partner's and category's sales."""
    if actor.role not in READERS:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "impact")


@dataclass(frozen=True)
class PastChange:
    entry_id: int
    at: datetime
    actor: str
    action: str
    change: Change | None  # None when its impact cannot be measured
    refusal: SeedtrailError | None  # why not

    def to_dict(self, lang: str = "en") -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "change": None if self.change is None else self.change.to_dict(),
            "measurable": self.change is not None,
            "refusal": None if self.refusal is None else self.refusal.detail_in(lang),
        }


def lake_span(lake: Lake) -> tuple[date, date] | None:
    """The first and last day the sealed lake holds (from its partitions: nothing is read)."""
    days = [p.day for p in lake.partitions()]
    return (min(days), max(days)) if days else None


def _outside(change: Change, span: tuple[date, date] | None) -> InvalidInput | None:
    if span is None:
        return InvalidInput(Msg("problem.invalid-input.change_no_data", {"day": change.at}))
    first, last = span
    if first < change.at <= last:
        return None
    return InvalidInput(
        Msg(
            "problem.invalid-input.change_outside_data",
            {"day": change.at, "first": first, "last": last},
        )
    )


def past(conn: Connection, span: tuple[date, date] | None, limit: int = LIMIT) -> list[PastChange]:
    """The newest ``limit`` policy changes, newest first; a change outside ``span`` (the data's
    first and last day, :func:`lake_span`) says so instead of offering an impact."""
    query = (
        select(audit_log)
        .where(
            or_(
                audit_log.c.object_type == "policy_rule",
                audit_log.c.action == "partner.kill_switch",
            )
        )
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    out = []
    slugs = partner_slugs(conn)  # read once, not once per entry
    for row in conn.execute(query).mappings().all():
        change: Change | None = None
        refusal: SeedtrailError | None = None
        try:
            change = from_entry(row, slugs)
        except SeedtrailError as exc:
            refusal = exc
        if change is not None and (refusal := _outside(change, span)) is not None:
            change = None
        out.append(PastChange(row["id"], row["at"], row["actor"], row["action"], change, refusal))
    return out

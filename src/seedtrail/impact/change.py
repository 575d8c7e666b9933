"""What a policy change touched and when: from an audit entry (a rule created or changed, a
partner's kill switch) or stated by hand (a day and the touched categories or partners)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from seedtrail.core.errors import InvalidInput, NotFound
from seedtrail.impact.panel import DIMENSIONS, Dimension
from seedtrail.messages import Msg
from seedtrail.store.schema import audit_log, partners


@dataclass(frozen=True)
class Change:
    at: date  # first day after the change (UTC)
    dimension: Dimension
    treated: tuple[str, ...]
    partner: str | None = None  # a rule naming a partner and a category: only that partner
    source: str = "stated"
    description: str = ""

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def stated(at: str, treated: str, dimension: str) -> Change:
    """A change stated by hand: ``--at 2025-03-15 --treated beauty,skincare``."""
    if dimension not in DIMENSIONS:
        raise InvalidInput(
            Msg("problem.invalid-input.dimension_option", {"allowed": ", ".join(DIMENSIONS)})
        )
    try:
        day = date.fromisoformat(at[:10])
    except ValueError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.iso_date", {"option": "--at", "value": repr(at)})
        ) from exc
    units = tuple(sorted({u.strip() for u in treated.split(",") if u.strip()}))
    if not units:
        raise InvalidInput(Msg("problem.invalid-input.treated_empty"))
    what = f"{dimension} {', '.join(units)} from {day}"
    return Change(day, dimension, units, description=what)


def _day(value: Any, fallback: datetime) -> date:
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).date()
    return fallback.date()


def from_audit(conn: Connection, entry_id: int) -> Change:
    """The change an audit entry records: a policy rule (its category, else its partner, from
    its start or else the moment of the entry) or a partner's kill switch (that partner)."""
    row = conn.execute(select(audit_log).where(audit_log.c.id == entry_id)).mappings().first()
    if row is None:
        raise NotFound(Msg("problem.not-found.audit_entry", {"id": entry_id}))
    return from_entry(row, partner_slugs(conn))


def partner_slugs(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(partners.c.id, partners.c.slug)).all())


def from_entry(row: RowMapping, slugs: dict[int, str]) -> Change:
    """:func:`from_audit` on an entry already read, with every partner's slug by id."""
    entry_id = row["id"]
    after = dict(row["after"] or {})
    before = dict(row["before"] or {})
    state = {**before, **after}
    what = f"audit {entry_id}: {row['action']} by {row['actor']}"
    if row["object_type"] == "partner" and "links_enabled" in after:
        slug = slugs.get(int(row["object_id"]))
        if slug is None:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.change_partner_gone",
                    {"id": entry_id, "partner": row["object_id"]},
                )
            )
        return Change(row["at"].date(), "partner", (slug,), None, f"audit:{entry_id}", what)
    if row["object_type"] != "policy_rule":
        raise InvalidInput(
            Msg("problem.invalid-input.change_not_rule", {"id": entry_id, "action": row["action"]})
        )
    at = _day(after.get("starts_at"), row["at"])
    partner = slugs.get(state["partner_id"]) if state.get("partner_id") else None
    if state.get("category"):
        return Change(at, "category", (state["category"],), partner, f"audit:{entry_id}", what)
    if partner:
        return Change(at, "partner", (partner,), None, f"audit:{entry_id}", what)
    raise InvalidInput(Msg("problem.invalid-input.change_touches_all", {"id": entry_id}))

"""Acting on a group of cases at once: the member cases of one water-army campaign (tied by
``group_key``; the campaign's own case holds them by ``parent_id``) get the same action in one
transaction, and the campaign's case is marked actioned.

Each case gets its own action row and audit entries, so each is reversible and appealable on its
own exactly as if a moderator had taken it case by case; the work is done set-wise
(:func:`seedtrail.enforcement.effects.apply`: a few statements per 500 cases, not a round of
queries per case), so banning a campaign of 10,000 accounts takes seconds. The group call adds one
audit entry naming the group, the action and what it did. Cases that are closed, already carry the
action, or whose subject the action does not apply to are skipped and listed with the reason;
nothing is skipped silently.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from seedtrail.core.errors import InvalidInput, NotFound
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases, effects
from seedtrail.messages import N_, Msg
from seedtrail.store import audit
from seedtrail.store.schema import cases as cases_table

#: The most cases one call acts on (a crackdown's campaign of 10,000 accounts fits twice).
MAX_GROUP = 20_000


class GroupActionIn(BaseModel):
    action: effects.ActionName
    reason: str = Field(min_length=3, max_length=2000)


def members(conn: Connection, group_key: str) -> list[int]:
    """The ids of the member cases in the group (not the campaign's own case), oldest first."""
    query = (
        select(cases_table.c.id)
        .where(cases_table.c.group_key == group_key, cases_table.c.subject_type != "campaign")
        .order_by(cases_table.c.id)
        .limit(MAX_GROUP + 1)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def size(conn: Connection, group_key: str) -> int:
    """How many member cases the group holds."""
    query = (
        select(func.count())
        .select_from(cases_table)
        .where(cases_table.c.group_key == group_key, cases_table.c.subject_type != "campaign")
    )
    return int(conn.execute(query).scalar_one())


def take(
    conn: Connection, actor: Principal, group_key: str, action: str, reason: str
) -> dict[str, Any]:
    """Apply ``action`` to every case of the group that can take it; returns the actions taken
    and the cases skipped, each with why."""
    cases.require_staff(actor, N_("staff.take_actions"))
    ids = members(conn, group_key)
    if not ids:
        raise NotFound(Msg("problem.not-found.group", {"group": group_key}))
    if len(ids) > MAX_GROUP:
        raise InvalidInput(
            Msg("problem.invalid-input.group_size", {"group": group_key, "max": MAX_GROUP})
        )
    rows = _rows(conn, ids)
    taken, refused = effects.apply(conn, actor, rows, action, reason)
    skipped = [
        # the reason in any reader's language
        {"case_id": case_id, "why": exc.detail, "why_msg": exc.msg.as_dict() if exc.msg else None}
        for case_id, exc in refused
    ]
    if taken:
        _mark_campaign(conn, actor, group_key, action, len(taken))
    audit.record(
        conn,
        actor=actor.label,
        action="enforcement.group_action",
        object_type="case_group",
        object_id=group_key,
        detail={
            "action": action,
            "reason": reason,
            "cases": len(ids),
            "action_ids": [r["id"] for r in taken],
            "skipped": skipped,
        },
    )
    return {"group_key": group_key, "action": action, "taken": taken, "skipped": skipped}


def _rows(conn: Connection, ids: list[int]) -> list[dict[str, object]]:
    """The member cases (the fields an action needs), in ``ids``' order (staff see every case)."""
    found: dict[int, dict[str, object]] = {}
    for start in range(0, len(ids), effects.CHUNK):
        query = select(*[cases_table.c[k] for k in effects.CASE_FIELDS]).where(
            cases_table.c.id.in_(ids[start : start + effects.CHUNK])
        )
        found.update((int(r["id"]), dict(r)) for r in conn.execute(query).mappings())
    return [found[i] for i in ids]


def campaign_case(conn: Connection, group_key: str) -> int | None:
    """The id of the campaign's own case for this group, if it has one."""
    query = select(cases_table.c.id).where(
        cases_table.c.group_key == group_key, cases_table.c.subject_type == "campaign"
    )
    found = conn.execute(query.order_by(cases_table.c.id).limit(1)).scalar()
    return None if found is None else int(found)


def _mark_campaign(conn: Connection, actor: Principal, key: str, action: str, n: int) -> None:
    case_id = campaign_case(conn, key)
    if case_id is None:
        return
    if cases.repo.get(conn, case_id)["status"] == "open":
        cases.set_status(conn, actor, case_id, "actioned", f"group {action} on {n} members")

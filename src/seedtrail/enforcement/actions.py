"""Actions on a case's subject, their effects, and their exact reversal.

========================  =========  ==============================================
action                    subject    effect
========================  =========  ==============================================
label                     any        none on the subject; shown with the case
hide                      comment    comment status -> hidden
remove                    comment    comment status -> removed
throttle                  note       note status -> throttled
remove                    note       note status -> removed (closes its links)
ban                       account    account status -> banned (closes its links)
revoke_link_privileges    account    the link policy denies new mounts and closes
                                     every live link the account shows or owns
========================  =========  ==============================================

Each action keeps the state it replaced (``prior_state``) and the state it set
(``applied_state``). Reversal restores ``prior_state`` exactly; when a later, still active action
changed the same field, the subject is left alone and that later action inherits this one's
``prior_state``, so undoing actions in any order ends where the subject started. Every action and
reversal is audited and bumps the policy epoch (the redirect applies it at once). Taking an
action is :func:`seedtrail.enforcement.effects.apply` on one case (the group action applies it
to a campaign's members at once).
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select, update

from seedtrail.core.errors import Conflict, NotFound, not_found
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases, effects, subjects
from seedtrail.enforcement.effects import EFFECTS as EFFECTS
from seedtrail.enforcement.effects import ActionName as ActionName
from seedtrail.enforcement.effects import allowed_for as allowed_for
from seedtrail.messages import N_, Msg
from seedtrail.store import audit, epoch
from seedtrail.store.repo import Repo, Row
from seedtrail.store.schema import enforcement_actions
from seedtrail.store.types import utcnow

repo = Repo(enforcement_actions, "action")


class ActionIn(BaseModel):
    action: ActionName
    reason: str = Field(min_length=3, max_length=2000)


class ReverseIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


def offered(conn: Connection, case: Row) -> list[str]:
    """The actions the case's subject can get now (``allowed_for`` with the store asked); a
    campaign gets none itself (its members get the group action, :func:`group_offered`)."""
    kind = str(case["subject_type"])
    if kind not in subjects.SUBJECT_TYPES:
        return []
    return allowed_for(kind, in_store=subjects.load(conn, kind, int(case["subject_id"])).in_store)


def group_offered(case: Row) -> list[str]:
    """The actions a campaign's group action can take on its members (accounts)."""
    return allowed_for("account") if case["subject_type"] == "campaign" else []


def take(
    conn: Connection,
    actor: Principal,
    case_id: int,
    action: str,
    reason: str,
    *,
    rule: str | None = None,
) -> Row:
    """Apply ``action`` to the subject of case ``case_id``; audited; returns the action row."""
    cases.require_staff(actor, N_("staff.take_actions"))
    case = cases.get(conn, actor, case_id)
    taken, refused = effects.apply(conn, actor, [case], action, reason, rule=rule)
    if refused:
        raise refused[0][1]
    return taken[0]


def reverse(
    conn: Connection,
    actor: Principal,
    action_id: int,
    reason: str,
    *,
    appeal_id: int | None = None,
) -> Row:
    """Undo an action, restoring exactly what it replaced; audited."""
    cases.require_staff(actor, N_("staff.reverse_actions"))
    row = repo.get(conn, action_id)
    if row["reversed_at"] is not None:
        raise Conflict(
            Msg("problem.conflict.reversed", {"id": action_id, "at": str(row["reversed_at"])})
        )
    kind, sid = row["subject_type"], row["subject_id"]
    restored: dict[str, object] | None = None
    drift: dict[str, object] | None = None
    if row["applied_state"]:
        later = _later_on_same_field(conn, row)
        if later is not None:
            repo.update(conn, later["id"], {"prior_state": row["prior_state"]})
        else:
            subject = subjects.load(conn, kind, sid)
            assert subject.row is not None  # subjects are never deleted
            current = {k: subject.row[k] for k in row["applied_state"]}
            if current != row["applied_state"]:
                drift = current  # changed outside enforcement since; prior state still wins
            restored = row["prior_state"]
            _set_subject(conn, kind, sid, restored)
    _, after = repo.update(
        conn,
        action_id,
        {
            "reversed_at": utcnow(),
            "reversed_by": actor.label,
            "reversal_reason": reason,
            "appeal_id": appeal_id,
        },
    )
    audit.record(
        conn,
        actor=actor.label,
        action="enforcement.reverse",
        object_type=kind,
        object_id=sid,
        before=row["applied_state"],
        after=restored,
        detail={
            "case_id": row["case_id"],
            "action_id": action_id,
            "action": row["action"],
            "reason": reason,
            "appeal_id": appeal_id,
            "drift": drift,
            "left_to_later_action": restored is None and bool(row["applied_state"]),
        },
    )
    if row["action"] != "label":
        epoch.bump(conn)
    if appeal_id is None and not _active(conn, case_id=row["case_id"]):
        case = cases.repo.get(conn, row["case_id"])
        if case["status"] == "actioned":
            cases.set_status(conn, actor, case["id"], "open", "every action was reversed")
    return after


def for_subject(conn: Connection, subject_type: str, subject_id: int) -> list[Row]:
    ea = enforcement_actions
    query = (
        select(ea)
        .where(ea.c.subject_type == subject_type, ea.c.subject_id == subject_id)
        .order_by(ea.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _active(conn: Connection, *, case_id: int, action: str | None = None) -> list[Row]:
    ea = enforcement_actions
    query = select(ea).where(ea.c.case_id == case_id, ea.c.reversed_at.is_(None))
    if action is not None:
        query = query.where(ea.c.action == action)
    return [dict(r) for r in conn.execute(query.order_by(ea.c.id)).mappings()]


def active_for_case(conn: Connection, case_id: int) -> list[Row]:
    return _active(conn, case_id=case_id)


def _later_on_same_field(conn: Connection, row: Row) -> Row | None:
    for other in for_subject(conn, row["subject_type"], row["subject_id"]):
        if (
            other["id"] > row["id"]
            and other["reversed_at"] is None
            and other["applied_state"]
            and set(other["applied_state"]) & set(row["applied_state"])
        ):
            return other
    return None


def _set_subject(conn: Connection, kind: str, sid: int, values: dict[str, object] | None) -> None:
    if not values:
        return
    table = subjects.table_of(kind)
    conn.execute(update(table).where(table.c.id == sid).values(**values, updated_at=utcnow()))


def get(conn: Connection, action_id: int) -> Row:
    try:
        return repo.get(conn, action_id)
    except NotFound:
        raise NotFound(not_found("action", action_id)) from None

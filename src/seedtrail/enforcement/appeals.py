"""Appeals: the subject's owner contests a case's actions; a reviewer upholds or overturns.

One appeal per case. Filing moves the case to ``appealed``. Upholding returns it to ``actioned``;
overturning reverses every active action of the case (each reversal restoring the exact prior
state, audited, naming the appeal) and moves it to ``overturned``. A moderator may not review an
appeal against an action they took themselves (operators may).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from seedtrail.core.errors import Conflict, Forbidden, NotFound, not_found
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, cases
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit
from seedtrail.store.repo import Repo, Row
from seedtrail.store.schema import appeals
from seedtrail.store.types import utcnow

repo = Repo(appeals, "appeal")


class AppealIn(BaseModel):
    statement: str = Field(min_length=3, max_length=5000)


class DecisionIn(BaseModel):
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=3, max_length=2000)


def file(conn: Connection, actor: Principal, case_id: int, statement: str) -> Row:
    """File an appeal; only the subject's owner (or an operator on their behalf)."""
    case = cases.get(conn, actor, case_id)
    if actor.role != "operator":
        owner = case["owner_account_id"]
        if actor.role not in cases.OWNERS or owner is None or actor.account_id != owner:
            raise Forbidden(Msg("problem.forbidden.appeal_owner"))
    if case["status"] != "actioned":
        raise Conflict(
            Msg(
                "problem.conflict.appeal_status",
                {"id": case_id, "status": term("case.status", case["status"])},
            )
        )
    existing = repo.find_one(conn, appeals.c.case_id == case_id)
    if existing is not None:
        outcome = (
            term("case.outcome", existing["outcome"])
            if existing["outcome"]
            else Msg("case.pending")
        )
        raise Conflict(
            Msg(
                "problem.conflict.appealed",
                {"id": case_id, "appeal": existing["id"], "outcome": outcome},
            )
        )
    row = repo.insert(
        conn,
        {
            "case_id": case_id,
            "account_id": case["owner_account_id"],
            "filed_by": actor.label,
            "statement": statement,
        },
    )
    audit.record(
        conn,
        actor=actor.label,
        action="appeal.file",
        object_type="appeal",
        object_id=row["id"],
        after={"case_id": case_id, "statement": statement},
    )
    cases.set_status(conn, actor, case_id, "appealed", f"appeal {row['id']} filed")
    return row


def decide(conn: Connection, actor: Principal, appeal_id: int, outcome: str, reason: str) -> Row:
    cases.require_staff(actor, N_("staff.decide_appeals"))
    try:
        appeal = repo.get(conn, appeal_id)
    except NotFound:
        raise NotFound(not_found("appeal", appeal_id)) from None
    if appeal["outcome"] is not None:
        raise Conflict(
            Msg(
                "problem.conflict.decided",
                {"id": appeal_id, "outcome": term("case.outcome", appeal["outcome"])},
            )
        )
    case_id = appeal["case_id"]
    active = actions.active_for_case(conn, case_id)
    if actor.role == "moderator" and any(a["actor"] == actor.label for a in active):
        raise Forbidden(Msg("problem.forbidden.own_appeal", {"id": case_id}))
    _, after = repo.update(
        conn,
        appeal_id,
        {
            "outcome": outcome,
            "reviewer": actor.label,
            "decision_reason": reason,
            "decided_at": utcnow(),
        },
    )
    reversed_ids = []
    if outcome == "overturned":
        for a in active:
            actions.reverse(
                conn,
                actor,
                a["id"],
                f"appeal {appeal_id} overturned: {reason}",
                appeal_id=appeal_id,
            )
            reversed_ids.append(a["id"])
    audit.record(
        conn,
        actor=actor.label,
        action="appeal.decide",
        object_type="appeal",
        object_id=appeal_id,
        before={"outcome": None},
        after={"outcome": outcome},
        detail={"case_id": case_id, "reason": reason, "reversed_action_ids": reversed_ids},
    )
    status = "overturned" if outcome == "overturned" else "actioned"
    cases.set_status(conn, actor, case_id, status, f"appeal {appeal_id} {outcome}")
    return {**after, "reversed_action_ids": reversed_ids}

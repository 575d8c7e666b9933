"""Cases: one subject (account, note or comment) flagged by one detector, with its evidence.

A water-army campaign is one case (subject ``campaign``); its members' cases (subject
``account``) point to it by ``parent_id``, stay out of the staff queue and are listed on the
campaign's page, acted on together by the group action (see ``groups``) and appealed one by one.

A case is identified by its subject, its detector and the hash of its evidence, so importing the
same detections twice opens nothing new. The moderator queue (``queue``) lists cases by severity
(critical first), then reach (largest audience first). Moderators and operators see every case; the
subject's owner (a creator or brand) sees their own cases once acted on (not while open, so a
case does not tip off the accounts under review, and not once dismissed), with other accounts' ids
in campaign evidence reduced to counts and staff names reduced to their role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, and_, false, insert, select, update
from sqlalchemy.exc import IntegrityError

from seedtrail.core.errors import Conflict, Forbidden, InvalidInput, NotFound, forbidden, not_found
from seedtrail.core.principals import Principal
from seedtrail.enforcement import subjects
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit
from seedtrail.store.repo import Repo, Row
from seedtrail.store.schema import CASE_SUBJECTS, appeals, cases, enforcement_actions
from seedtrail.store.types import Id, utcnow

SEVERITY_NAMES = {1: "low", 2: "medium", 3: "high", 4: "critical"}
STAFF = frozenset({"operator", "moderator"})
OWNERS = frozenset({"brand", "creator"})
OWNER_VISIBLE = ("actioned", "appealed", "overturned")
repo = Repo(cases, "case")


class CaseIn(BaseModel):
    """A case opened by hand (detector ``manual`` unless named)."""

    subject_type: Literal["account", "note", "comment"]
    subject_id: Id
    detector: str = Field(default="manual", min_length=1, max_length=32)
    severity: int = Field(default=2, ge=1, le=4)
    summary: str = Field(min_length=3, max_length=2000)
    evidence: dict[str, object] = Field(default_factory=dict)


def evidence_hash(evidence: Any) -> str:
    canonical = json.dumps(evidence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class CaseSpec:
    """A case to open. ``identity`` is what makes it the same case (hashed; ``evidence`` when
    None); ``reach`` and ``owner_id`` are used when the subject is not in the store (reach also
    when given for one that is)."""

    subject_type: str
    subject_id: int
    detector: str
    severity: int
    summary: str
    evidence: dict[str, object]
    identity: Any = None
    reach: int | None = None
    owner_id: int | None = None
    group_key: str | None = None
    parent_id: int | None = None
    #: the summary as a code and its parameters, rendered in the reader's language
    summary_code: str | None = None
    summary_params: dict[str, object] | None = None

    @property
    def digest(self) -> str:
        return evidence_hash(self.evidence if self.identity is None else self.identity)


def open_many(conn: Connection, actor: Principal, specs: list[CaseSpec]) -> list[tuple[Row, bool]]:
    """Open cases in bulk, or find the existing ones with the same subject, detector and evidence
    hash; returns (case, created) per spec, in order."""
    for spec in specs:
        if spec.subject_type not in CASE_SUBJECTS:
            raise InvalidInput(
                Msg("problem.invalid-input.subject_type", {"allowed": ", ".join(CASE_SUBJECTS)})
            )
    digests = [s.digest for s in specs]
    found: dict[tuple[str, int, str, str], Row] = {}
    for start in range(0, len(specs), 500):
        chunk = specs[start : start + 500]
        query = select(
            cases
        ).where(  # narrowed by the unique index, then matched exactly
            cases.c.subject_type.in_({s.subject_type for s in chunk}),
            cases.c.subject_id.in_({s.subject_id for s in chunk}),
            cases.c.evidence_hash.in_(set(digests[start : start + 500])),
        )
        for r in conn.execute(query).mappings():
            found[(r["subject_type"], r["subject_id"], r["detector"], r["evidence_hash"])] = dict(r)
    keys = [
        (s.subject_type, s.subject_id, s.detector, d) for s, d in zip(specs, digests, strict=True)
    ]
    fresh = {k: s for k, s in zip(keys, specs, strict=True) if k not in found}
    for new in _insert(conn, actor, fresh):
        found[(new["subject_type"], new["subject_id"], new["detector"], new["evidence_hash"])] = new
    created = set(fresh)
    out, seen = [], set()
    for k in keys:
        out.append((found[k], k in created and k not in seen))
        seen.add(k)
    return out


def _insert(
    conn: Connection, actor: Principal, fresh: dict[tuple[str, int, str, str], CaseSpec]
) -> list[Row]:
    """Insert the cases not found (owner and reach from their subjects), audited."""
    if not fresh:
        return []
    known: dict[str, dict[int, tuple[int, int]]] = {}
    for kind in CASE_SUBJECTS:
        ids = [s.subject_id for s in fresh.values() if s.subject_type == kind]
        known[kind] = subjects.facts(conn, kind, ids)
    owners = subjects.existing_accounts(
        conn, [s.owner_id for s in fresh.values() if s.owner_id is not None]
    )
    now = utcnow()
    rows = []
    for (kind, sid, detector, digest), spec in fresh.items():
        owner, reach = known[kind].get(sid, (None, 0))
        if owner is None and spec.owner_id in owners:
            owner = spec.owner_id
        rows.append(
            {
                "subject_type": kind,
                "subject_id": sid,
                "owner_account_id": owner,
                "detector": detector,
                "severity": spec.severity,
                "reach": max(0, int(spec.reach if spec.reach is not None else reach)),
                "summary": spec.summary,
                "summary_code": spec.summary_code,
                "summary_params": spec.summary_params,
                "evidence": spec.evidence,
                "evidence_hash": digest,
                "group_key": spec.group_key,
                "parent_id": spec.parent_id,
                "status": "open",
                "opened_by": actor.label,
                "created_at": now,
                "updated_at": now,
            }
        )
    try:
        inserted = conn.execute(
            insert(cases).returning(*cases.c, sort_by_parameter_order=True), rows
        )
    except IntegrityError as exc:
        raise repo._integrity(exc) from None
    new_rows = [dict(r) for r in inserted.mappings()]
    audit.record_many(
        conn,
        [
            {
                "actor": actor.label,
                "action": "case.open",
                "object_type": "case",
                "object_id": new["id"],
                "after": _brief(new),
            }
            for new in new_rows
        ],
    )
    return new_rows


def open_case(conn: Connection, actor: Principal, **fields: Any) -> tuple[Row, bool]:
    """Open one case from :class:`CaseSpec`'s fields as keywords (see :func:`open_many`)."""
    return open_many(conn, actor, [CaseSpec(**fields)])[0]


def open_manual(conn: Connection, actor: Principal, body: CaseIn) -> Row:
    require_staff(actor, N_("staff.open_cases"))
    subject = subjects.load(conn, body.subject_type, body.subject_id)
    if not subject.in_store:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.missing",
                {"what": term("object", body.subject_type), "id": body.subject_id},
            )
        )
    row, _ = open_case(
        conn,
        actor,
        subject_type=body.subject_type,
        subject_id=body.subject_id,
        detector=body.detector,
        severity=body.severity,
        summary=body.summary,
        evidence=body.evidence,
        identity={"evidence": body.evidence, "summary": body.summary},
    )
    return present(row)


def require_staff(actor: Principal, what: str) -> None:
    """Only staff may do ``what`` (a key ``staff.*``, marked with ``N_`` where it is named)."""
    if actor.role not in STAFF:
        raise Forbidden(
            Msg("problem.forbidden.staff", {"role": term("role", actor.role), "what": Msg(what)})
        )


def scope_of(actor: Principal) -> ColumnElement[bool] | None:
    """The cases ``actor`` may see, as a condition (None: every case)."""
    if actor.role in STAFF:
        return None
    if actor.role in OWNERS and actor.account_id is not None:
        return and_(cases.c.owner_account_id == actor.account_id, cases.c.status.in_(OWNER_VISIBLE))
    return false()


def get(conn: Connection, actor: Principal, case_id: int) -> Row:
    """The case if ``actor`` may see it (404 otherwise, so others' cases stay invisible)."""
    if actor.role not in STAFF | OWNERS:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "cases")
    scope = scope_of(actor)
    where = [cases.c.id == case_id] + ([scope] if scope is not None else [])
    row = conn.execute(select(cases).where(and_(*where))).mappings().first()
    if row is None:
        raise NotFound(not_found("case", case_id))
    return dict(row)


def detail(conn: Connection, actor: Principal, case_id: int) -> Row:
    """A case with its evidence, actions and appeal."""
    row = get(conn, actor, case_id)
    staff = actor.role in STAFF
    out = present(row, full=staff)
    out["actions"] = [
        dict(r) if staff else _anonymous(dict(r), "actor", "reversed_by")
        for r in conn.execute(
            select(enforcement_actions)
            .where(enforcement_actions.c.case_id == case_id)
            .order_by(enforcement_actions.c.id)
        ).mappings()
    ]
    appeal = conn.execute(select(appeals).where(appeals.c.case_id == case_id)).mappings().first()
    if appeal is None:
        out["appeal"] = None
    else:
        out["appeal"] = dict(appeal) if staff else _anonymous(dict(appeal), "reviewer")
    return out


def _anonymous(row: Row, *keys: str) -> Row:
    """Staff names shown to an owner as their role only (``moderator:alice#3`` → ``moderator``)."""
    for key in keys:
        if row.get(key):
            row[key] = str(row[key]).split(":", 1)[0]
    return row


def present(row: Row, *, full: bool = True) -> Row:
    out = dict(row)
    out["severity_name"] = SEVERITY_NAMES[out["severity"]]
    if not full and "evidence" in out:
        out["evidence"] = _redact(out["evidence"], out["subject_id"])
    return out


def _redact(evidence: dict[str, object], own_id: int) -> dict[str, object]:
    """An owner sees their own part of a campaign, not the other accounts in it."""
    campaign = evidence.get("campaign")
    if not isinstance(campaign, dict):
        return evidence
    slim = {k: v for k, v in campaign.items() if k not in ("accounts", "timeline")}
    slim["account_count"] = campaign.get("account_count", len(campaign.get("accounts", [])))
    timeline = campaign.get("timeline", [])
    slim["timeline"] = [e for e in timeline if e.get("account") == own_id]
    return {**evidence, "campaign": slim}


def set_status(conn: Connection, actor: Principal, case_id: int, status: str, why: str) -> Row:
    before, after = repo.update(conn, case_id, {"status": status})
    if before["status"] != status:
        audit.record(
            conn,
            actor=actor.label,
            action="case.status",
            object_type="case",
            object_id=case_id,
            before={"status": before["status"]},
            after={"status": status},
            detail={"reason": why},
        )
    return after


def set_status_many(
    conn: Connection, actor: Principal, changes: list[tuple[int, str, str]], status: str
) -> None:
    """Set ``status`` on many cases, each ``(case id, status before, why)``, in one statement per
    chunk, with one ``case.status`` audit entry per case (as :func:`set_status` writes)."""
    moving = [(i, before, why) for i, before, why in changes if before != status]
    now = utcnow()
    for start in range(0, len(moving), 500):
        ids = [i for i, _, _ in moving[start : start + 500]]
        conn.execute(update(cases).where(cases.c.id.in_(ids)).values(status=status, updated_at=now))
    audit.record_many(
        conn,
        [
            {"actor": actor.label, "action": "case.status", "object_type": "case",
             "object_id": i, "before": {"status": before}, "after": {"status": status},
             "detail": {"reason": why}}
            for i, before, why in moving
        ],
    )  # fmt: skip


def dismiss(conn: Connection, actor: Principal, case_id: int, reason: str) -> Row:
    """Close a case without action (e.g. a false positive)."""
    require_staff(actor, N_("staff.dismiss_cases"))
    row = get(conn, actor, case_id)
    active = conn.execute(
        select(enforcement_actions.c.id).where(
            enforcement_actions.c.case_id == case_id, enforcement_actions.c.reversed_at.is_(None)
        )
    ).first()
    if active is not None:
        raise Conflict(Msg("problem.conflict.dismiss_active", {"id": case_id}))
    if row["status"] not in ("open", "actioned"):
        raise Conflict(
            Msg(
                "problem.conflict.dismiss_status",
                {"id": case_id, "status": term("case.status", row["status"])},
            )
        )
    if row["subject_type"] == "campaign":  # its members still open and untouched go with it
        idle = select(cases.c.id).where(
            cases.c.parent_id == case_id,
            cases.c.status == "open",
            ~select(enforcement_actions.c.id)
            .where(enforcement_actions.c.case_id == cases.c.id)
            .exists(),
        )
        for member in list(conn.execute(idle).scalars()):
            set_status(conn, actor, member, "dismissed", f"campaign case {case_id}: {reason}")
    return present(set_status(conn, actor, case_id, "dismissed", reason))


def _brief(row: Row) -> Row:
    keys = (
        "subject_type",
        "subject_id",
        "detector",
        "severity",
        "reach",
        "status",
        "group_key",
        "parent_id",
    )
    return {k: row[k] for k in keys}

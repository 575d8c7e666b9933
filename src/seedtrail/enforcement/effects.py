"""What an action does to its subject, applied to many cases in a few statements.

``apply`` checks and applies one action to a list of cases set-wise: the cases' active actions,
their subjects, the subjects' new state, the action rows, the live links a ban closes, the audit
entries and the cases' new status are each read or written in one statement per chunk, not one
round of queries per case. The result is the same as taking the action case by case
(:func:`seedtrail.enforcement.actions.take` is ``apply`` on one case): each case gets its own
action row with the state it replaced, its own ``enforcement.action`` audit entry and its own
``case.status`` entry, and stays reversible and appealable on its own. A case the action cannot
apply to is refused with the same error a single action would raise, and nothing is written
for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update

from seedtrail.core.errors import Conflict, InvalidInput, SeedtrailError
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases, subjects
from seedtrail.messages import Msg, term
from seedtrail.store import audit, epoch
from seedtrail.store.repo import Row
from seedtrail.store.schema import enforcement_actions, link_mounts, notes, offers
from seedtrail.store.types import utcnow

ActionName = Literal["label", "hide", "throttle", "remove", "ban", "revoke_link_privileges"]
#: (action, subject type) -> (field, value) it sets; None: no field changes.
EFFECTS: dict[tuple[str, str], tuple[str, str] | None] = {
    ("label", "account"): None,
    ("label", "note"): None,
    ("label", "comment"): None,
    ("hide", "comment"): ("status", "hidden"),
    ("remove", "comment"): ("status", "removed"),
    ("throttle", "note"): ("status", "throttled"),
    ("remove", "note"): ("status", "removed"),
    ("ban", "account"): ("status", "banned"),
    ("revoke_link_privileges", "account"): None,
}
CLOSING = ("ban", "revoke_link_privileges")
#: What :func:`apply` reads of a case.
CASE_FIELDS = ("id", "subject_type", "subject_id", "status", "group_key")
CHUNK = 500


def allowed_for(subject_type: str, *, in_store: bool = True) -> list[str]:
    """The actions a subject can get; only ``label`` when it is not in the store (an action
    that cannot apply is not offered)."""
    return [a for (a, t) in EFFECTS if t == subject_type and (in_store or a == "label")]


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def refusal(case: Row, action: str, active: bool) -> SeedtrailError | None:
    """Why ``action`` cannot be taken on ``case`` (its kind, status or an active action of the
    same name), or None."""
    kind, case_id = case["subject_type"], case["id"]
    if kind == "campaign":
        return InvalidInput(
            Msg(
                "problem.invalid-input.campaign_action", {"id": case_id, "group": case["group_key"]}
            )
        )
    if (action, kind) not in EFFECTS:
        return InvalidInput(
            Msg(
                "problem.invalid-input.action_kind",
                {
                    "action": action,
                    "kind": term("object", kind),
                    "allowed": ", ".join(allowed_for(kind)),
                },
            )
        )
    if case["status"] not in ("open", "actioned"):
        return Conflict(
            Msg(
                "problem.conflict.no_new_actions",
                {"id": case_id, "status": term("case.status", case["status"])},
            )
        )
    if active:
        return Conflict(
            Msg("problem.conflict.active_action", {"id": case_id, "action": term("action", action)})
        )
    return None


def _not_in_store(case: Row) -> InvalidInput:
    kind = case["subject_type"]
    return InvalidInput(
        Msg(
            "problem.invalid-input.not_in_store",
            {
                "kind": term("object", kind),
                "id": case["subject_id"],
                "allowed": ", ".join(allowed_for(kind, in_store=False)),
            },
        )
    )


def _active(conn: Connection, case_ids: list[int], action: str) -> set[int]:
    ea = enforcement_actions
    found: set[int] = set()
    for chunk in _chunks(case_ids):
        query = select(ea.c.case_id).where(
            ea.c.case_id.in_(chunk), ea.c.reversed_at.is_(None), ea.c.action == action
        )
        found.update(int(i) for i in conn.execute(query).scalars())
    return found


def _subjects(conn: Connection, kind: str, ids: list[Any]) -> dict[int, dict[str, object]]:
    """The subjects of one kind that are in the store: their id and the fields actions set."""
    table = subjects.table_of(kind)
    fields = {"id", *(e[0] for (_, k), e in EFFECTS.items() if k == kind and e is not None)}
    found: dict[int, dict[str, object]] = {}
    for chunk in _chunks(sorted(set(subjects.in_range(ids)))):
        query = select(*[table.c[f] for f in sorted(fields)]).where(table.c.id.in_(chunk))
        for r in conn.execute(query).mappings():
            found[int(r["id"])] = dict(r)
    return found


def _set_subjects(conn: Connection, kind: str, ids: list[int], values: dict[str, object]) -> None:
    table = subjects.table_of(kind)
    now = utcnow()
    for chunk in _chunks(sorted(set(ids))):
        conn.execute(update(table).where(table.c.id.in_(chunk)).values(**values, updated_at=now))


def links_closed(conn: Connection, account_ids: list[int]) -> dict[int, list[int]]:
    """Per account: the active mounts it shows (its notes, its profile) or owns (its offers)."""
    m = link_mounts
    out: dict[int, set[int]] = {a: set() for a in account_ids}
    for chunk in _chunks(sorted(set(account_ids))):
        queries = (
            select(m.c.id, m.c.account_id).where(m.c.account_id.in_(chunk)),
            select(m.c.id, notes.c.author_id)
            .join(notes, notes.c.id == m.c.note_id)
            .where(notes.c.author_id.in_(chunk)),
            select(m.c.id, offers.c.owner_id)
            .join(offers, offers.c.id == m.c.offer_id)
            .where(offers.c.owner_id.in_(chunk)),
        )
        for query in queries:
            for mount, account in conn.execute(query.where(m.c.status == "active")):
                out[int(account)].add(int(mount))
    return {a: sorted(ids) for a, ids in out.items()}


def apply(
    conn: Connection,
    actor: Principal,
    rows: list[Row],
    action: str,
    reason: str,
    *,
    rule: str | None = None,
) -> tuple[list[Row], list[tuple[int, SeedtrailError]]]:
    """Take ``action`` on each case of ``rows`` (as :func:`cases.get` returns them) that can get
    it; returns the action rows taken and the cases refused with why, both in ``rows``' order."""
    active = _active(conn, [int(r["id"]) for r in rows], action)
    refused: dict[int, SeedtrailError] = {}
    for case in rows:
        why = refusal(case, action, int(case["id"]) in active)
        if why is not None:
            refused[int(case["id"])] = why
    fit = [c for c in rows if int(c["id"]) not in refused]
    found = {
        kind: _subjects(
            conn, kind, [int(c["subject_id"]) for c in fit if c["subject_type"] == kind]
        )
        for kind in {c["subject_type"] for c in fit}
    }
    for case in fit:
        if action != "label" and int(case["subject_id"]) not in found[case["subject_type"]]:
            refused[int(case["id"])] = _not_in_store(case)
    fit = [c for c in fit if int(c["id"]) not in refused]
    taken = _write(conn, actor, fit, found, action, reason, rule) if fit else []
    return taken, [(int(c["id"]), refused[int(c["id"])]) for c in rows if int(c["id"]) in refused]


def _write(
    conn: Connection,
    actor: Principal,
    fit: list[Row],
    found: dict[str, dict[int, dict[str, object]]],
    action: str,
    reason: str,
    rule: str | None,
) -> list[Row]:
    """The subjects' new state, the action rows, their audit entries and the cases' status."""
    now = utcnow()
    values: list[dict[str, Any]] = []
    changed: dict[tuple[str, str, str], list[int]] = {}
    for case in fit:
        kind, sid = case["subject_type"], int(case["subject_id"])
        subject = found[kind].get(sid)
        effect = EFFECTS[(action, kind)]
        prior = applied = None
        if effect is not None and subject is not None:
            field, value = effect
            prior, applied = {field: subject[field]}, {field: value}
            subject[field] = value  # a second case on the same subject sees this one's change
            changed.setdefault((kind, field, value), []).append(sid)
        values.append(
            {
                "case_id": case["id"], "action": action, "subject_type": kind,
                "subject_id": sid, "account_id": sid if kind == "account" and subject else None,
                "prior_state": prior, "applied_state": applied, "reason": reason,
                "actor": actor.label, "rule": rule, "created_at": now,
            }
        )  # fmt: skip
    for (kind, field, value), ids in changed.items():
        _set_subjects(conn, kind, ids, {field: value})
    ea = enforcement_actions
    result = conn.execute(insert(ea).returning(ea.c.id, sort_by_parameter_order=True), values)
    blank = {c.name: None for c in ea.c}
    taken = [{**blank, **v, "id": int(i)} for v, i in zip(values, result.scalars(), strict=True)]
    accounts = [int(r["account_id"]) for r in taken if r["account_id"] is not None]
    closes = links_closed(conn, accounts) if action in CLOSING else {}
    audit.record_many(conn, [_entry(actor, r, closes) for r in taken])
    opened = [(c, r) for c, r in zip(fit, taken, strict=True) if c["status"] == "open"]
    cases.set_status_many(
        conn,
        actor,
        [(int(c["id"]), str(c["status"]), f"{action} (action {r['id']})") for c, r in opened],
        "actioned",
    )
    if action != "label":
        epoch.bump(conn)
    return taken


def _entry(actor: Principal, row: Row, closes: dict[int, list[int]]) -> audit.Entry:
    account = row["account_id"]
    return {
        "actor": actor.label,
        "action": "enforcement.action",
        "object_type": row["subject_type"],
        "object_id": row["subject_id"],
        "before": row["prior_state"],
        "after": row["applied_state"],
        "detail": {
            "case_id": row["case_id"],
            "action_id": row["id"],
            "action": row["action"],
            "reason": row["reason"],
            "rule": row["rule"],
            "live_links_closed": closes.get(account, []) if account is not None else [],
        },
    }

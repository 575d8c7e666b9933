"""How far a note is distributed, as the community's feed reads it: a throttled note (限流) is
shown less and its links are closed; a removed one is not shown.

``distribution`` is ``full`` (status ``normal``), ``reduced`` (``throttled``) or ``none``
(``removed``); ``links_open`` says whether the link policy's note check passes (docs/links.md);
``throttle`` names the active enforcement action behind a throttle (its case, when, why), so the
feed and the note's owner can see why and appeal.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases
from seedtrail.enforcement.subjects import in_range
from seedtrail.links.policy import NOTE_CLOSED
from seedtrail.messages import N_
from seedtrail.store.schema import enforcement_actions, notes

DISTRIBUTION = {"normal": "full", "throttled": "reduced", "removed": "none"}
MAX_NOTES = 1000


def for_notes(conn: Connection, actor: Principal, note_ids: list[int]) -> list[dict[str, object]]:
    """One row per note of ``note_ids`` that exists (staff only), in the order asked."""
    cases.require_staff(actor, N_("staff.read_distribution"))
    ids = list(dict.fromkeys(in_range(note_ids)))[:MAX_NOTES]
    if not ids:
        return []
    status = dict(conn.execute(select(notes.c.id, notes.c.status).where(notes.c.id.in_(ids))).all())
    ea = enforcement_actions
    active = conn.execute(
        select(ea.c.subject_id, ea.c.id, ea.c.case_id, ea.c.created_at, ea.c.reason, ea.c.rule)
        .where(
            ea.c.subject_type == "note",
            ea.c.subject_id.in_(ids),
            ea.c.action == "throttle",
            ea.c.reversed_at.is_(None),
        )
        .order_by(ea.c.id)
    ).all()
    throttles = {
        int(n): {"action_id": a, "case_id": c, "since": at, "reason": why, "rule": rule}
        for n, a, c, at, why, rule in active
    }
    return [
        {
            "note_id": i,
            "status": status[i],
            "distribution": DISTRIBUTION.get(status[i], "none"),
            "links_open": status[i] not in NOTE_CLOSED,
            "throttle": throttles.get(i) if status[i] == "throttled" else None,
        }
        for i in ids
        if i in status
    ]

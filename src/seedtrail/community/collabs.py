"""Collab registrations: a brand's registered paid collaboration with a creator on a note.

Registration is two-sided: the brand registers (``pending``), and the registration counts —
for mounting the brand's offers on the note, for campaign membership, for the brand's note
reports — only once the creator accepts it (``active``). Either side may revoke it; a revoked
registration is not accepted again. Acceptance is audited with who and when."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, select, update

from seedtrail.core.errors import Conflict, Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, get, own_account, owned_by
from seedtrail.messages import Msg, term
from seedtrail.store import audit, epoch
from seedtrail.store.schema import accounts, collab_registrations, notes
from seedtrail.store.types import Id, utcnow

ACCEPTED = "active"


class CollabIn(BaseModel):
    brand_id: Id | None = None
    creator_id: Id
    note_id: Id


class CollabPatch(BaseModel):
    status: Literal["active", "revoked"]


def _prepare(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    if actor.role == "creator":
        raise InvalidInput(Msg("problem.invalid-input.collab_by_brand"))
    v["brand_id"] = own_account(actor, v.get("brand_id"), field_name="brand_id")
    query = select(accounts.c.id, accounts.c.kind).where(
        accounts.c.id.in_([v["brand_id"], v["creator_id"]])
    )
    kinds: dict[int, str] = {row.id: row.kind for row in conn.execute(query)}
    if kinds.get(v["brand_id"]) not in ("brand", "enterprise"):
        raise InvalidInput(Msg("problem.invalid-input.not_brand", {"id": v["brand_id"]}))
    if kinds.get(v["creator_id"]) != "creator":
        raise InvalidInput(Msg("problem.invalid-input.not_a_creator", {"id": v["creator_id"]}))
    author = conn.execute(select(notes.c.author_id).where(notes.c.id == v["note_id"])).scalar()
    if author != v["creator_id"]:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.note_author",
                {"note": v["note_id"], "creator": v["creator_id"]},
            )
        )
    v["status"] = "pending"
    return v


def _check(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    if v.get("status") == ACCEPTED and before["status"] != ACCEPTED:
        raise Forbidden(
            Msg(
                "problem.forbidden.collab_accept",
                {"id": before["id"], "creator": before["creator_id"]},
            )
        )
    return v


def accept(conn: Connection, actor: Principal, collab_id: int) -> dict[str, object]:
    """The creator's consent: a pending registration on her note becomes active. Only the
    creator named in it may accept (not the brand, not an operator)."""
    row = get(conn, RESOURCE, actor, collab_id)
    if actor.role != "creator" or actor.account_id != row["creator_id"]:
        raise Forbidden(
            Msg("problem.forbidden.collab_creator", {"id": collab_id, "creator": row["creator_id"]})
        )
    if row["status"] != "pending":
        raise Conflict(
            Msg(
                "problem.conflict.collab_status",
                {"id": collab_id, "status": term("state", row["status"])},
            )
        )
    now = utcnow()
    values = {"status": ACCEPTED, "accepted_at": now, "accepted_by": actor.label}
    _, after = RESOURCE.repo.update(conn, collab_id, values)
    label = _label_note(conn, row["note_id"])
    audit.record(
        conn,
        actor=actor.label,
        action="collab.accept",
        object_type="collab",
        object_id=collab_id,
        before={"status": row["status"]},
        after={"status": ACCEPTED, "accepted_at": now.isoformat(), "note_ad_label": label},
    )
    epoch.bump(conn)
    return after


def _label_note(conn: Connection, note_id: int) -> str:
    """A paid collab is an ad: the note gets the 赞助 (``sponsored``) label unless it carries
    one already; returns the note's label."""
    current = conn.execute(select(notes.c.ad_label).where(notes.c.id == note_id)).scalar()
    if current is None:
        conn.execute(update(notes).where(notes.c.id == note_id).values(ad_label="sponsored"))
        return "sponsored"
    return str(current)


def accepted(brand_id: Any, note_ids: Any) -> Any:
    """A query of the notes among ``note_ids`` (a list or a subquery) with a collab
    registration of ``brand_id`` that the creator accepted."""
    c = collab_registrations.c
    return select(c.note_id).where(
        c.note_id.in_(note_ids), c.brand_id == brand_id, c.status == ACCEPTED
    )


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    return owned_by(actor, collab_registrations.c.brand_id, collab_registrations.c.creator_id)


RESOURCE = Resource(
    name="collabs",
    noun="collab",
    table=collab_registrations,
    create_model=CollabIn,
    update_model=CollabPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator"}),
    create_roles=frozenset({"operator", "brand"}),
    update_roles=frozenset({"operator", "brand", "creator"}),
    scope=_scope,
    prepare=_prepare,
    check_update=_check,
    policy_fields=frozenset({"status"}),
    policy_on_create=True,
    filters=("brand_id", "creator_id", "note_id", "status"),
    terms={"status": "state"},
)

"""Link mounts: an offer placed on a note card, a comment or a profile card, under the policy.

Every mount request gets a decision naming the rules and checks that decided it; the decision is
audited whether the mount is allowed or not. The same facts feed the redirect's live check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict

from pydantic import AwareDatetime, BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, Connection, or_, select

from seedtrail.contracts import ACCOUNT_PLACEMENTS, Placement
from seedtrail.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidValue,
    NotFound,
    PolicyDenied,
    forbidden,
)
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource
from seedtrail.links import codes, destinations
from seedtrail.links.lookup import Lookup
from seedtrail.links.policy import (
    Account,
    Decision,
    DecisionJSON,
    Enforcement,
    MountFacts,
    decide,
)
from seedtrail.links.rules import load_rules
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit, epoch
from seedtrail.store.repo import Row
from seedtrail.store.schema import (
    accounts,
    comments,
    link_mounts,
    notes,
    offers,
    partners,
)
from seedtrail.store.types import Id, utcnow


class MountIn(BaseModel):
    placement: Placement
    offer_id: Id
    note_id: Id | None = None
    comment_id: Id | None = None
    account_id: Id | None = None
    expires_at: AwareDatetime | None = None
    starts_at: AwareDatetime | None = Field(
        default=None, description="A live room's session start (expires_at: its end)"
    )

    @model_validator(mode="after")
    def _anchor(self) -> MountIn:
        need = {"note_card": "note_id", "comment": "comment_id"}
        field = need.get(self.placement, "account_id")
        if getattr(self, field) is None:
            raise InvalidValue(
                Msg("invalid.mount_anchor", {"placement": self.placement, "field": field})
            )
        if self.placement == "live_room":
            if self.starts_at is None or self.expires_at is None:
                raise InvalidValue(Msg("invalid.live_session"))
            if self.starts_at >= self.expires_at:
                raise InvalidValue(Msg("invalid.live_order"))
        return self


class MountPatch(BaseModel):
    status: Literal["active", "disabled"]


@dataclass(frozen=True)
class Context:
    """A mount's facts for the policy, plus where it points."""

    facts: MountFacts
    target: destinations.Target
    note_id: int | None
    comment_id: int | None
    profile_account_id: int | None
    audience_id: int
    owner_id: int


def _account(
    look: Lookup, account_id: int, enforced: dict[int, tuple[Enforcement, ...]]
) -> Account:
    row = look.row(accounts, account_id)
    if row is None:
        raise InvalidInput(_missing("account", account_id))
    return Account(
        row["id"],
        row["kind"],
        row["follower_count"],
        row["verified"],
        row["status"],
        enforced.get(account_id, ()),
    )


def gather(
    conn: Connection,
    *,
    placement: str,
    offer_id: int,
    note_id: int | None = None,
    comment_id: int | None = None,
    account_id: int | None = None,
    mount_status: str = "active",
    expires_at: datetime | None = None,
    lookup: Lookup | None = None,
    starts_at: datetime | None = None,
) -> Context:
    """A mount's facts for the policy; ``lookup`` says where rows come from (default: one query
    each; :class:`~seedtrail.links.lookup.Prefetched` for many mounts at once)."""
    look = lookup or Lookup(conn)
    offer = look.row(offers, offer_id)
    if offer is None:
        raise InvalidInput(_missing("offer", offer_id))
    partner = look.row(partners, offer["partner_id"])
    assert partner is not None  # a foreign key
    note = None
    comment_status = None
    if placement == "comment":
        comment = look.row(comments, comment_id)
        if comment is None:
            raise InvalidInput(_missing("comment", comment_id))
        note_id = comment["note_id"]
        comment_status = comment["status"]
    if placement in ("note_card", "comment"):
        note = look.row(notes, note_id)
        if note is None:
            raise InvalidInput(_missing("note", note_id))
        audience_id = note["author_id"]
    else:
        assert account_id is not None
        audience_id = account_id
    enforced = look.enforced([audience_id, offer["owner_id"]])
    audience = _account(look, audience_id, enforced)
    owner = _account(look, offer["owner_id"], enforced)
    has_collab = note is not None and look.has_collab(owner.id, audience.id, note["id"])
    facts = MountFacts(
        placement=placement,
        partner_id=partner["id"],
        partner_slug=partner["slug"],
        partner_name=partner["name"],
        partner_links_enabled=partner["links_enabled"],
        category=offer["category"],
        audience=audience,
        offer_owner=owner,
        offer_active=offer["status"] == "active",
        note_status=note["status"] if note is not None else None,
        comment_status=comment_status,
        has_collab=has_collab,
        mount_status=mount_status,
        expires_at=expires_at,
        ad_label=note.get("ad_label") if note is not None else None,
        starts_at=starts_at,
        boosted=note is not None and look.boosted(note["id"]),
    )
    target = destinations.build_target(dict(partner), dict(offer))
    return Context(
        facts,
        target,
        note_id,
        comment_id if placement == "comment" else None,
        account_id if placement in ACCOUNT_PLACEMENTS else None,
        audience_id,
        offer["owner_id"],
    )


def gather_row(
    conn: Connection,
    row: Row,
    *,
    lookup: Lookup | None = None,
    with_status: bool = False,
) -> Context:
    """:func:`gather` for a stored mount ``row``: its placement, offer, anchors and time window
    (and its own status when ``with_status``, else decided as if active)."""
    return gather(
        conn,
        placement=row["placement"],
        offer_id=row["offer_id"],
        note_id=row["note_id"],
        comment_id=row["comment_id"],
        account_id=row["account_id"],
        mount_status=row["status"] if with_status else "active",
        expires_at=row["expires_at"],
        lookup=lookup,
        starts_at=row.get("starts_at"),
    )


def _may_mount(actor: Principal, ctx: Context) -> None:
    """Operators mount anywhere. A brand or creator mounts on her own notes, comment areas and
    profile; on another account's note (or its comments) only an offer of her own, and only
    under a collab registration the note's creator accepted. Nothing about the other account
    (its standing, its enforcement) is decided or shown before this passes."""
    if actor.role == "operator":
        return
    if actor.role not in ("brand", "creator"):
        raise forbidden(actor.role, N_("problem.forbidden.create"), "mounts")
    if actor.account_id == ctx.audience_id:
        return
    if ctx.profile_account_id is not None:
        raise Forbidden(Msg("problem.forbidden.own_profile_card"))
    if actor.account_id != ctx.owner_id:
        raise Forbidden(Msg("problem.forbidden.own_notes"))
    if not ctx.facts.has_collab:
        raise Forbidden(Msg("problem.forbidden.collab_needed", {"id": ctx.audience_id}))


def evaluate(
    conn: Connection, actor: Principal, req: MountIn, at: datetime | None = None
) -> tuple[Context, Decision]:
    """The mount's facts and the policy's decision on them at ``at`` (default: now)."""
    times = {"expires_at", "starts_at"}
    ctx = gather(
        conn, **req.model_dump(exclude=times), expires_at=req.expires_at, starts_at=req.starts_at
    )
    _may_mount(actor, ctx)
    return ctx, decide(ctx.facts, load_rules(conn), at or utcnow())


class Decided(TypedDict):
    """What :func:`create` did: the mount (None when the policy denied it), the decision and
    the action, for :func:`raise_if_denied`."""

    mount: Row | None
    decision: DecisionJSON
    action: str


class Outcome(TypedDict):
    """What :func:`set_status` did: as :class:`Decided`, with no decision for a change no
    policy decides."""

    mount: Row | None
    decision: DecisionJSON | None
    action: str


def create(
    conn: Connection, actor: Principal, req: MountIn, *, as_of: datetime | None = None
) -> Decided:
    """Decide and, if allowed, mount. The decision is audited either way; a denial is returned
    (``mount`` is None) rather than raised, so the caller commits the audit entry and then
    raises with :func:`raise_if_denied`.

    ``as_of`` is for replaying recorded history only (``sim load``, the demo; never the API): the
    mount is decided by the same policy, its rules and facts as they are, at the moment the
    history placed it (a live room's session, in the past, was live then), and the audit entry
    says so (``as_of``)."""
    ctx, decision = evaluate(conn, actor, req, as_of)
    request = req.model_dump(mode="json")
    detail: dict[str, object] = {"request": request, "decision": decision.as_dict()}
    if as_of is not None:
        detail["as_of"] = as_of.isoformat()
    audit.record(
        conn,
        actor=actor.label,
        action="mount.decision",
        object_type="mount_request",
        detail=detail,
    )
    if not decision.allowed:
        return {"mount": None, "decision": decision.as_dict(), "action": "mount"}
    row = _insert_with_code(
        conn,
        {
            "placement": req.placement,
            "note_id": ctx.note_id,
            "comment_id": ctx.comment_id,
            "account_id": ctx.profile_account_id,
            "offer_id": req.offer_id,
            "mounted_by": actor.account_id,
            "status": "active",
            "expires_at": req.expires_at,
            "starts_at": req.starts_at,
        },
    )
    audit.record(
        conn,
        actor=actor.label,
        action="mount.create",
        object_type="mount",
        object_id=row["id"],
        after=row,
        detail={"decision": decision.as_dict()},
    )
    epoch.bump(conn)
    return {"mount": row, "decision": decision.as_dict(), "action": "mount"}


def _missing(subject: str, ident: object) -> Msg:
    return Msg("problem.invalid-input.missing", {"what": term("subject", subject), "id": ident})


_ACTIONS = {"mount": N_("policy.action.mount"), "re-enabling mount": N_("policy.action.reenable")}


def raise_if_denied(result: Decided | Outcome) -> Row:
    """After the caller's transaction committed the decision: raise on a denial, else return
    the mount with its decision."""
    decision = result["decision"]
    if result["mount"] is None:
        assert decision is not None  # a denial always carries its decision
        action = Msg(_ACTIONS[result["action"]])
        raise PolicyDenied(
            Msg(
                "problem.policy-denied.detail",
                {"action": action, "summary": decision["summary_msg"]},
            ),
            decision=decision,
        )
    return {**result["mount"], "decision": decision}


def _insert_with_code(conn: Connection, values: dict[str, object]) -> Row:
    for _ in range(5):
        try:
            with conn.begin_nested():
                return RESOURCE.repo.insert(conn, {**values, "code": codes.new_code()})
        except Conflict:
            continue
    raise Conflict(Msg("problem.conflict.code_exhausted"))


def set_status(conn: Connection, actor: Principal, mount_id: int, status: str) -> Outcome:
    """Like :func:`create`, a denied re-enable is returned for the caller to raise."""
    from seedtrail.core.resources import get

    row = get(conn, RESOURCE, actor, mount_id)
    if actor.role not in ("operator", "brand", "creator"):
        raise forbidden(actor.role, N_("problem.forbidden.change"), "mounts")
    if status == "active" and row["status"] != "active":
        ctx = gather_row(conn, row)
        decision = decide(ctx.facts, load_rules(conn), utcnow())
        audit.record(
            conn,
            actor=actor.label,
            action="mount.decision",
            object_type="mount",
            object_id=mount_id,
            detail={"decision": decision.as_dict()},
        )
        if not decision.allowed:
            return {"mount": None, "decision": decision.as_dict(), "action": "re-enabling mount"}
    before, after = RESOURCE.repo.update(conn, mount_id, {"status": status})
    audit.record(
        conn,
        actor=actor.label,
        action="mount.update",
        object_type="mount",
        object_id=mount_id,
        before={"status": before["status"]},
        after={"status": status},
    )
    epoch.bump(conn)
    return {"mount": after, "decision": None, "action": "update"}


def by_code(conn: Connection, code: str) -> Row:
    row = conn.execute(select(link_mounts).where(link_mounts.c.code == code)).mappings().first()
    if row is None:
        raise NotFound(Msg("problem.not-found.link", {"code": code}))
    return dict(row)


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    if actor.role == "partner":
        return link_mounts.c.offer_id.in_(
            select(offers.c.id).where(offers.c.partner_id == actor.partner_id)
        )
    a = actor.account_id
    return or_(
        link_mounts.c.mounted_by == a,
        link_mounts.c.account_id == a,
        link_mounts.c.note_id.in_(select(notes.c.id).where(notes.c.author_id == a)),
        link_mounts.c.offer_id.in_(select(offers.c.id).where(offers.c.owner_id == a)),
    )


RESOURCE = Resource(
    name="mounts",
    noun="mount",
    table=link_mounts,
    create_model=MountIn,
    update_model=MountPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator", "partner"}),
    create_roles=frozenset({"operator", "brand", "creator"}),
    update_roles=frozenset({"operator", "brand", "creator"}),
    scope=_scope,
    filters=("placement", "note_id", "offer_id", "status", "account_id"),
    terms={"placement": "placement", "status": "state"},
)

"""Routes beyond plain CRUD for the link domain: mounts under the policy, partner kill switch
and secrets, policy dry runs, the audit log and the click log."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from seedtrail.api.deps import Actor, Bodies, Body, Reader, StoreDep, Writer
from seedtrail.api.pages import Cursor, Offset, respond
from seedtrail.core.errors import Forbidden
from seedtrail.core.principals import Principal
from seedtrail.links import clickstats, mounts, partners, preview
from seedtrail.messages import Msg
from seedtrail.store import audit, paging
from seedtrail.store.types import Count, Id

router = APIRouter()


@router.post("/mounts", status_code=201, tags=["mounts"], summary="Mount a link (policy-checked)")
def create_mount(body: mounts.MountIn, actor: Actor, store: StoreDep) -> Body:
    with store.transaction() as conn:  # commit the audited decision even when denied
        result = mounts.create(conn, actor, body)
    return mounts.raise_if_denied(result)


@router.post("/mounts/{ident}/status", tags=["mounts"], summary="Disable or re-enable a mount")
def mount_status(ident: Id, body: mounts.MountPatch, actor: Actor, conn: Writer) -> Body:
    return mounts.set_status(conn, actor, ident, body.status)


@router.post(
    "/policy/evaluate",
    tags=["policy"],
    summary="Dry run: what the policy would decide for a mount request",
)
def evaluate(body: mounts.MountIn, actor: Actor, conn: Reader) -> Body:
    _, decision = mounts.evaluate(conn, actor, body)
    return dict(decision.as_dict())  # a plain dict: the response is not re-validated


class PreviewIn(BaseModel):
    """Either a rule and what would change in it, or a partner whose kill switch would close."""

    rule_id: Id | None = None
    enabled: bool | None = None
    effect: Literal["open", "closed"] | None = None
    min_followers: Count | None = None
    partner_id: Id | None = None


@router.post(
    "/policy/preview",
    tags=["policy"],
    summary="Dry run of a rule change or kill switch: which live links it would close",
)
def preview_change(body: PreviewIn, actor: Actor, conn: Reader) -> Body:
    patch = body.model_dump(include={"enabled", "effect", "min_followers"}, exclude_none=True)
    if body.partner_id is not None:
        change = preview.Change(partner_id=body.partner_id, links_enabled=False)
    else:
        change = preview.Change(rule_id=body.rule_id, rule_patch=patch)
    return preview.run(conn, actor, change).as_dict()


class KillSwitch(BaseModel):
    links_enabled: bool
    reason: str = Field(min_length=3, max_length=500)


@router.post(
    "/partners/{ident}/kill-switch",
    tags=["partners"],
    summary="Close (or reopen) all links of a partner at once",
)
def kill_switch(ident: Id, body: KillSwitch, actor: Actor, conn: Writer) -> Body:
    return partners.set_links_enabled(conn, actor, ident, body.links_enabled, body.reason)


def _own_partner(actor: Principal, ident: int) -> None:
    if actor.role == "operator" or (actor.role == "partner" and actor.partner_id == ident):
        return
    raise Forbidden(Msg("problem.forbidden.secrets"))


@router.post(
    "/partners/{ident}/secrets",
    status_code=201,
    tags=["partners"],
    summary="Add a signing secret (shown once); the oldest beyond two is revoked",
)
def rotate(ident: Id, actor: Actor, conn: Writer) -> Body:
    _own_partner(actor, ident)
    return partners.rotate_secret(conn, actor, ident)


@router.post(
    "/partners/{ident}/public-keys",
    status_code=201,
    tags=["partners"],
    summary="Register an Ed25519 public key (whpk_...) for Standard Webhooks v1a signatures",
)
def add_public_key(ident: Id, body: partners.PublicKeyIn, actor: Actor, conn: Writer) -> Body:
    _own_partner(actor, ident)
    return partners.add_public_key(conn, actor, ident, body.public_key)


@router.get(
    "/partners/{ident}/secrets",
    tags=["partners"],
    summary="Active signing keys (ids, kinds and dates only, never values)",
)
def list_secrets(ident: Id, actor: Actor, conn: Reader) -> Bodies:
    _own_partner(actor, ident)
    return [
        {"id": s["id"], "kind": partners.key_kind(s["secret"]), "created_at": s["created_at"]}
        for s in partners.list_secrets(conn, ident)
    ]


@router.get("/audit", tags=["audit"], summary="The audit log, newest first")
def audit_log(
    request: Request,
    response: Response,
    actor: Actor,
    conn: Reader,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    limit: int = Query(100, ge=1, le=paging.MAX_LIMIT),
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Bodies:
    audit.require_reader(actor)
    page = audit.page(
        conn,
        object_type=object_type,
        object_id=object_id,
        action_prefix=action,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return respond(request, response, page)


@router.get("/clicks", tags=["clicks"], summary="Logged clicks, newest first")
def click_log(
    request: Request,
    response: Response,
    actor: Actor,
    conn: Reader,
    mount_id: Id | None = None,
    counted_only: bool = False,
    limit: int = Query(100, ge=1, le=paging.MAX_LIMIT),
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Bodies:
    q = clickstats.log_query(actor, mount_id=mount_id, counted_only=counted_only)
    given = {"mount_id": mount_id, "counted_only": counted_only or None}
    page = paging.read(conn, clickstats.LOG, q, given, limit=limit, offset=offset, cursor=cursor)
    return respond(request, response, page)


@router.get("/me", tags=["access"], summary="Who am I")
def me(actor: Actor) -> Body:
    return {
        "id": actor.id,
        "name": actor.name,
        "role": actor.role,
        "account_id": actor.account_id,
        "partner_id": actor.partner_id,
    }

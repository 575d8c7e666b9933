"""Partners (marketplaces, mini programs, web shops): allowed hosts, deep-link templates, the
kill switch and signing secrets (two active at once, for rotation)."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import ColumnElement, Connection, false, select

from seedtrail.core.errors import Forbidden, InvalidInput, UnsafeDestination
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource
from seedtrail.links import destinations
from seedtrail.messages import Msg, term
from seedtrail.store import audit, epoch
from seedtrail.store.repo import Repo, Row
from seedtrail.store.schema import partner_secrets, partners
from seedtrail.store.types import utcnow

ACTIVE_SECRETS = 2
_WX_APPID = re.compile(r"^wx[0-9a-f]{16}$")


class PartnerIn(BaseModel):
    slug: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["marketplace", "mini_program", "web_shop", "own_shop"]
    allowed_hosts: list[str] = Field(min_length=1, max_length=50)
    web_url_template: str | None = None
    app_url_template: str | None = None
    mini_program_app_id: str | None = None
    mini_program_path_template: str | None = None
    declared_sample_rate: float = Field(default=1.0, gt=0, le=1)
    allow_http: bool = Field(
        default=False, description="Allow plain http destinations (https only otherwise)"
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        return sorted({destinations.normalize_host_pattern(h) for h in v})


class PartnerPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    allowed_hosts: list[str] | None = Field(default=None, min_length=1, max_length=50)
    web_url_template: str | None = None
    app_url_template: str | None = None
    declared_sample_rate: float | None = Field(default=None, gt=0, le=1)
    allow_http: bool | None = None

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else sorted({destinations.normalize_host_pattern(h) for h in v})


def validate_targets(v: dict[str, Any]) -> dict[str, Any]:
    hosts = v["allowed_hosts"]
    if v.get("web_url_template"):
        destinations.check_template(v["web_url_template"], what="web_template")
        destinations.check_web_url(
            destinations.fill(v["web_url_template"], "1"),
            hosts,
            what="web_template",
            allow_http=bool(v.get("allow_http")),
        )
    if v.get("app_url_template"):
        destinations.check_app_template(v["app_url_template"], hosts)
    if v.get("kind") == "own_shop" and v.get("declared_sample_rate", 1.0) != 1.0:
        # the community's own shop records its orders itself: every order, nothing sampled
        raise InvalidInput(Msg("problem.invalid-input.own_shop_sample"))
    if v.get("kind") == "mini_program":
        if not _WX_APPID.match(v.get("mini_program_app_id") or ""):
            raise UnsafeDestination(Msg("problem.unsafe-destination.wx_app_id"))
        path = v.get("mini_program_path_template") or ""
        destinations.check_template(path, what="path_template")
        if not re.match(r"^[A-Za-z0-9_/\-]+(\?[A-Za-z0-9_=&{}\-]*)?$", path):
            raise UnsafeDestination(Msg("problem.unsafe-destination.page_path"))
    return v


def _prepare(conn: Connection, actor: Principal, v: dict[str, object]) -> dict[str, object]:
    v["links_enabled"] = True
    return validate_targets(v)


def _check(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    validate_targets({**before, **v})
    return v


def _scope(actor: Principal) -> ColumnElement[bool] | None:
    if actor.role == "partner":
        return partners.c.id == actor.partner_id
    if actor.role in ("brand", "creator"):
        return None  # partner directory (no secrets in it) is visible to link mounters
    return false()


RESOURCE = Resource(
    name="partners",
    noun="partner",
    table=partners,
    create_model=PartnerIn,
    update_model=PartnerPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator", "partner"}),
    create_roles=frozenset({"operator"}),
    update_roles=frozenset({"operator"}),
    scope=_scope,
    prepare=_prepare,
    check_update=_check,
    filters=("kind", "links_enabled"),
    terms={"kind": "partner_kind"},
    policy_fields=frozenset(
        {"allowed_hosts", "web_url_template", "app_url_template", "allow_http"}
    ),
)

secrets_repo = Repo(partner_secrets, "partner_secret")


def labels(conn: Connection) -> dict[int, tuple[str, str]]:
    """Every partner's slug and display name by id, in one query. Pages name a partner by its
    name (天猫), never by its slug (``tmall``), which stays for addresses and forms. Names are
    directory data, not scoped: a page shows one only beside rows its reader may already see."""
    rows = conn.execute(select(partners.c.id, partners.c.slug, partners.c.name))
    return {r.id: (r.slug, r.name) for r in rows}


def names(conn: Connection) -> dict[str, str]:
    """Every partner's display name by slug (:func:`labels`)."""
    return dict(labels(conn).values())


def set_links_enabled(
    conn: Connection, actor: Principal, partner_id: int, enabled: bool, reason: str
) -> dict[str, object]:
    """The kill switch: closes (or reopens) every link of a partner at once (operators only)."""
    if actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.kill_switch", {"role": term("role", actor.role)}))
    if len(reason.strip()) < 3:
        raise InvalidInput(Msg("problem.invalid-input.kill_switch_reason"))
    before, after = RESOURCE.repo.update(conn, partner_id, {"links_enabled": enabled})
    audit.record(
        conn,
        actor=actor.label,
        action="partner.kill_switch",
        object_type="partner",
        object_id=partner_id,
        before={"links_enabled": before["links_enabled"]},
        after={"links_enabled": enabled},
        detail={"reason": reason},
    )
    epoch.bump(conn)
    return after


def rotate_secret(conn: Connection, actor: Principal, partner_id: int) -> dict[str, object]:
    """Add a signing secret; the oldest beyond two active is revoked. The secret is returned
    here once and never again."""
    # whsec_ + standard base64 of 32 random bytes: the Standard Webhooks secret format, so a
    # shop can hand it to a Standard Webhooks library as is (docs/intake.md)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    row, revoked = _add_key(conn, actor, partner_id, secret, "partner.rotate_secret")
    return {
        "id": row["id"],
        "partner_id": partner_id,
        "secret": secret,
        "created_at": row["created_at"],
        "revoked_ids": revoked,
    }


class PublicKeyIn(BaseModel):
    public_key: str = Field(
        min_length=10, max_length=128, description="whpk_ + base64 of a 32-byte Ed25519 key"
    )


def add_public_key(
    conn: Connection, actor: Principal, partner_id: int, public_key: str
) -> dict[str, object]:
    """Register an Ed25519 public key for Standard Webhooks ``v1a`` signatures; it counts among
    the partner's active keys (two at once), so adding one rotates like a secret."""
    raw = public_key.removeprefix("whpk_")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not public_key.startswith("whpk_") or len(decoded) != 32:
        raise InvalidInput(Msg("problem.invalid-input.public_key"))
    row, revoked = _add_key(conn, actor, partner_id, public_key, "partner.add_public_key")
    return {"id": row["id"], "partner_id": partner_id, "created_at": row["created_at"],
            "revoked_ids": revoked}  # fmt: skip


def _add_key(
    conn: Connection, actor: Principal, partner_id: int, value: str, action: str
) -> tuple[dict[str, object], list[int]]:
    RESOURCE.repo.get(conn, partner_id)
    row = secrets_repo.insert(
        conn, {"partner_id": partner_id, "secret": value, "created_at": utcnow()}
    )
    active = list_secrets(conn, partner_id)
    revoked = [s["id"] for s in active[ACTIVE_SECRETS:]]
    for sid in revoked:
        secrets_repo.update(conn, sid, {"revoked_at": utcnow()})
    audit.record(
        conn,
        actor=actor.label,
        action=action,
        object_type="partner",
        object_id=partner_id,
        after={"secret_id": row["id"], "revoked_ids": revoked},
    )
    return row, revoked


def list_secrets(conn: Connection, partner_id: int) -> list[Row]:
    """Active secrets, newest first (values included: callers must not expose them)."""
    rows = conn.execute(
        select(partner_secrets)
        .where(partner_secrets.c.partner_id == partner_id, partner_secrets.c.revoked_at.is_(None))
        .order_by(partner_secrets.c.id.desc())
    ).mappings()
    return [dict(r) for r in rows]


def key_kind(value: str) -> str:
    """``ed25519_public_key`` for a registered whpk_ key, ``hmac_secret`` otherwise."""
    return "ed25519_public_key" if value.startswith("whpk_") else "hmac_secret"


def active_secret_values(conn: Connection, partner_id: int) -> list[bytes]:
    return [s["secret"].encode() for s in list_secrets(conn, partner_id)]

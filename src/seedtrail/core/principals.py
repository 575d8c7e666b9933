"""API keys and the principals they stand for (operator, brand, creator, partner, moderator).

Keys look like ``st_<32 url-safe chars>``; only their SHA-256 is stored, and lookup is by that
digest, so a key is never compared character by character.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from seedtrail.core.errors import InvalidInput, Unauthorized
from seedtrail.messages import Msg, term
from seedtrail.store.repo import Repo
from seedtrail.store.schema import ROLES, Role, accounts, principals
from seedtrail.store.types import utcnow

repo = Repo(principals, "principal")
KEY_PREFIX = "st_"


@dataclass(frozen=True)
class Principal:
    id: int
    name: str
    role: Role
    account_id: int | None = None
    partner_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.role}:{self.name}#{self.id}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    conn: Connection,
    *,
    name: str,
    role: str,
    account_id: int | None = None,
    partner_id: int | None = None,
) -> tuple[Principal, str]:
    """Create a principal and return it with its key (shown once, never stored)."""
    if role not in ROLES:
        raise InvalidInput(
            Msg("problem.invalid-input.role", {"allowed": ", ".join(ROLES), "value": repr(role)})
        )
    if role in ("brand", "creator") and account_id is None:
        raise InvalidInput(Msg("problem.invalid-input.key_account", {"role": term("role", role)}))
    if role == "partner" and partner_id is None:
        raise InvalidInput(Msg("problem.invalid-input.key_partner"))
    if role in ("brand", "creator"):
        kind = conn.execute(select(accounts.c.kind).where(accounts.c.id == account_id)).scalar()
        if kind is None:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.missing",
                    {"what": term("object", "account"), "id": account_id},
                )
            )
        if role == "creator" and kind not in ("creator", "buyer"):  # a buyer (买手) posts too
            raise InvalidInput(
                Msg("problem.invalid-input.not_creator", {"id": account_id, "kind": kind})
            )
        if role == "brand" and kind in ("creator", "buyer"):
            raise InvalidInput(Msg("problem.invalid-input.creator_not_brand", {"id": account_id}))
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = repo.insert(
        conn,
        {
            "name": name,
            "role": role,
            "account_id": account_id if role in ("brand", "creator") else None,
            "partner_id": partner_id if role == "partner" else None,
            "key_prefix": key[:7],
            "key_hash": _digest(key),
            "created_at": utcnow(),
        },
    )
    return _principal(row), key


def _principal(row: dict[str, Any]) -> Principal:
    return Principal(row["id"], row["name"], row["role"], row["account_id"], row["partner_id"])


def authenticate(conn: Connection, key: str | None) -> Principal:
    if not key:
        raise Unauthorized(Msg("problem.unauthorized.missing"))
    row = repo.find_one(conn, principals.c.key_hash == _digest(key))
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized(Msg("problem.unauthorized.invalid"))
    return _principal(row)


def by_id(conn: Connection, principal_id: int) -> Principal:
    """A live principal by id (a dashboard session names its principal this way, never by key)."""
    row = repo.find_one(conn, principals.c.id == principal_id)
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized(Msg("problem.unauthorized.revoked"))
    return _principal(row)


def revoke(conn: Connection, principal_id: int) -> dict[str, object]:
    _, after = repo.update(conn, principal_id, {"revoked_at": utcnow()})
    return after

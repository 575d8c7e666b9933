"""Partner lookup for the intake hot path: slug or id → id, slug, declared rate, active secrets,
kind.

Entries are cached for ``ttl_s`` seconds; a signature that fails under cached secrets is checked
once more against fresh ones, so a new secret works at once and a revoked one stops working
within ``ttl_s``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from seedtrail.core.errors import Unauthorized
from seedtrail.links.partners import active_secret_values
from seedtrail.messages import Msg
from seedtrail.store.schema import partners
from seedtrail.store.store import Store
from seedtrail.store.types import MAX_INT


@dataclass(frozen=True)
class PartnerEntry:
    id: int
    slug: str
    declared_sample_rate: float
    secrets: tuple[bytes, ...]
    loaded_at: float
    kind: str = ""  # marketplace, mini_program, web_shop, own_shop (when loaded here)


class PartnerDirectory:
    def __init__(self, store: Store, ttl_s: float = 5.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[str, PartnerEntry] = {}

    def get(self, ident: str, *, fresh: bool = False) -> PartnerEntry:
        """The partner named by slug or numeric id; :class:`Unauthorized` when there is none
        (an unknown partner is an authentication failure, not a 404: no enumeration)."""
        entry = self._cache.get(ident)
        now = time.monotonic()
        if entry is None or fresh or now - entry.loaded_at > self.ttl_s:
            entry = self._load(ident, now)
            self._cache[ident] = entry
        return entry

    def _load(self, ident: str, now: float) -> PartnerEntry:
        numeric = ident.isascii() and ident.isdigit() and int(ident) <= MAX_INT
        col = partners.c.id if numeric else partners.c.slug
        key: int | str = int(ident) if numeric else ident
        with self.store.read() as conn:
            row = conn.execute(
                select(
                    partners.c.id,
                    partners.c.slug,
                    partners.c.declared_sample_rate,
                    partners.c.kind,
                ).where(col == key)
            ).first()
            if row is None:
                raise Unauthorized(Msg("problem.unauthorized.partner", {"partner": repr(ident)}))
            secrets = tuple(active_secret_values(conn, row.id))
        return PartnerEntry(
            row.id, row.slug, float(row.declared_sample_rate), secrets, now, row.kind
        )

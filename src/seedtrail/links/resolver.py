"""The live link table: what each code leads to right now, cached in memory.

Lookups are served from memory. The cache is dropped at once when this process changes anything
that can open or close a link (the store tells it after commit), and within
``policy_refresh_s`` when another process does (it polls the policy epoch). A cached answer also
expires at the next moment a rule starts or ends, or the link expires.

The redirect asks :meth:`Resolver.cached` first (memory only) and loads a miss with
:meth:`Resolver.lookup` in a worker thread, so a cache refill after a policy change never stalls
the requests that hit. The rules are loaded once per cache generation, not once per link.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from seedtrail.core.errors import SeedtrailError
from seedtrail.links import mounts
from seedtrail.links.destinations import Target
from seedtrail.links.policy import Rule, decide, next_change
from seedtrail.links.rules import load_rules
from seedtrail.store import epoch
from seedtrail.store.repo import Row
from seedtrail.store.schema import campaign_notes
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow


class Miss:
    """Not in the cache (or stale): load it."""


MISS = Miss()


@dataclass(frozen=True)
class LiveLink:
    mount_id: int
    code: str
    placement: str
    note_id: int | None
    comment_id: int | None
    profile_account_id: int | None
    partner_id: int
    offer_id: int
    allowed: bool
    reason: str
    target: Target | None
    good_until: float  # unix seconds; recompute after
    campaigns: frozenset[int] = frozenset()  # the campaigns the link's note is in
    ad_label: str | None = None  # the note's disclosure, shown on the interstitial
    #: the link's own fields of a click row, in :data:`seedtrail.links.clicklog.COLUMNS` order
    #: (``mount_id`` to ``offer_id``): computed once per link, not once per click
    row_fields: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = (
            self.mount_id,
            self.code,
            self.note_id,
            self.comment_id,
            self.profile_account_id,
            self.placement,
            self.partner_id,
            self.offer_id,
        )
        object.__setattr__(self, "row_fields", fields)


def _campaigns(conn: Any, note_id: int | None) -> frozenset[int]:
    if note_id is None:
        return frozenset()
    query = select(campaign_notes.c.campaign_id).where(campaign_notes.c.note_id == note_id)
    return frozenset(conn.execute(query).scalars())


class Resolver:
    def __init__(self, store: Store, refresh_s: float) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self._cache: dict[str, LiveLink | None] = {}
        self._epoch = -1
        self._checked = 0.0
        self._lock = threading.Lock()
        self._rules: tuple[dict[str, LiveLink | None], list[Rule]] | None = None
        store.on_policy_change(self.invalidate)

    def invalidate(self) -> None:
        with self._lock:
            self._cache = {}
            self._checked = 0.0

    def _poll(self, now: float) -> None:
        """Read the policy epoch (called once ``refresh_s`` has passed since the last read)."""
        with self.store.read() as conn:
            current = epoch.read(conn)
        with self._lock:
            self._checked = now
            if current != self._epoch:
                self._epoch = current
                self._cache = {}

    def cached(self, code: str, now: float | None = None) -> LiveLink | Miss | None:
        """The live state of ``code`` from memory at ``now`` (default: the clock), or ``MISS``
        when it must be loaded."""
        if now is None:
            now = time.time()
        if now - self._checked >= self.refresh_s:
            self._poll(now)
        hit = self._cache.get(code, MISS)
        if isinstance(hit, LiveLink) and now >= hit.good_until:
            return MISS
        return hit

    def lookup(self, code: str) -> LiveLink | None:
        """The live state of ``code``; None when no such link exists. May read the store."""
        hit = self.cached(code)
        if not isinstance(hit, Miss):
            return hit
        cache = self._cache  # a load that races an invalidation lands in the dropped generation
        link = self._load(code, cache)
        if len(cache) > 500_000:
            cache.clear()
        cache[code] = link
        return link

    def _rules_for(self, generation: dict[str, LiveLink | None], conn: Any) -> list[Rule]:
        """The enabled rules, loaded once per cache generation (the cache dict itself)."""
        held = self._rules
        if held is not None and held[0] is generation:
            return held[1]
        rules = load_rules(conn)
        self._rules = (generation, rules)
        return rules

    def at(self, code: str, when: datetime) -> LiveLink | None:
        """What ``code`` led to at ``when``, decided afresh by the policy (never cached): for
        replaying recorded taps at their own time (``sim load``), where a link's time window (a
        live room's session) decides. None when no such link exists."""
        return self._load(code, {}, when)

    def _load(
        self, code: str, generation: dict[str, LiveLink | None], when: datetime | None = None
    ) -> LiveLink | None:
        with self.store.read() as conn:
            try:
                row = mounts.by_code(conn, code)
            except SeedtrailError:
                return None
            at = when or utcnow()
            rules = self._rules_for(generation, conn) if when is None else load_rules(conn)
            try:
                ctx = mounts.gather_row(conn, row, with_status=True)
            except SeedtrailError as exc:  # e.g. a destination no longer on the allowed hosts
                return self._closed(row, str(exc), None)
            decision = decide(ctx.facts, rules, at)
            boosts = _campaigns(conn, ctx.note_id)
        times = (next_change(rules, at), row["expires_at"], row.get("starts_at"))
        edges = [t for t in times if t is not None and t > at]
        good_until = min(edges).timestamp() if edges else float("inf")
        return LiveLink(
            row["id"],
            code,
            row["placement"],
            ctx.note_id,
            ctx.comment_id,
            ctx.profile_account_id,
            ctx.facts.partner_id,
            row["offer_id"],
            decision.allowed,
            decision.summary(),
            ctx.target if decision.allowed else None,
            good_until,
            boosts,
            ctx.facts.ad_label,
        )

    @staticmethod
    def _closed(row: Row, reason: str, partner_id: int | None) -> LiveLink:
        return LiveLink(
            row["id"],
            row["code"],
            row["placement"],
            None,
            None,
            None,
            partner_id or 0,
            row["offer_id"],
            False,
            reason,
            None,
            time.time() + 5,
        )

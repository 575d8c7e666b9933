"""Where :func:`seedtrail.links.mounts.gather` reads a mount's facts from.

:class:`Lookup` runs one small query per row (right for one mount: a mount request, a redirect
cache miss). :class:`Prefetched` loads what many mounts need up front, one query per table, and
serves the same rows from memory (a policy preview decides hundreds of mounts at once). Both give
``gather`` exactly the same rows, so the facts and the decisions are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, select

from seedtrail.links.policy import Enforcement
from seedtrail.store.repo import Row
from seedtrail.store.schema import (
    accounts,
    campaign_notes,
    campaigns,
    collab_registrations,
    comments,
    enforcement_actions,
    notes,
    offers,
    partners,
)


def active_on_accounts(
    conn: Connection, account_ids: list[int]
) -> dict[int, tuple[Enforcement, ...]]:
    """Active account actions, as the link policy sees them (the enforcement package writes
    them; the link policy only reads them, so links never imports enforcement)."""
    ea = enforcement_actions
    rows = conn.execute(
        select(ea.c.account_id, ea.c.action, ea.c.id, ea.c.case_id)
        .where(ea.c.account_id.in_(account_ids), ea.c.reversed_at.is_(None))
        .order_by(ea.c.id)
    ).all()
    out: dict[int, list[Enforcement]] = {}
    for account_id, action, action_id, case_id in rows:
        out.setdefault(account_id, []).append(Enforcement(action, action_id, case_id))
    return {k: tuple(v) for k, v in out.items()}


def boosted_notes(conn: Connection, note_ids: list[int]) -> set[int]:
    """The notes among ``note_ids`` that an active campaign boosts (paid distribution)."""
    cn = campaign_notes.c
    query = (
        select(cn.note_id)
        .join(campaigns, campaigns.c.id == cn.campaign_id)
        .where(cn.note_id.in_(note_ids), campaigns.c.status == "active")
    )
    return set(conn.execute(query).scalars())


class Lookup:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def row(self, table: Table, ident: int | None) -> Row | None:
        if ident is None:
            return None
        found = self.conn.execute(select(table).where(table.c.id == ident)).mappings().first()
        return dict(found) if found is not None else None

    def enforced(self, account_ids: list[int]) -> dict[int, tuple[Enforcement, ...]]:
        return active_on_accounts(self.conn, account_ids)

    def has_collab(self, brand_id: int, creator_id: int, note_id: int) -> bool:
        c = collab_registrations.c
        query = select(c.id).where(
            c.brand_id == brand_id,
            c.creator_id == creator_id,
            c.note_id == note_id,
            c.status == "active",
        )
        return self.conn.execute(query).first() is not None

    def boosted(self, note_id: int) -> bool:
        return bool(boosted_notes(self.conn, [note_id]))


class Prefetched(Lookup):
    """Every row the given mounts (``link_mounts`` rows) can need, loaded in one go."""

    def __init__(self, conn: Connection, mounts: Iterable[Mapping[str, Any]]) -> None:
        super().__init__(conn)
        ms = list(mounts)
        self.rows: dict[str, dict[int, Row]] = {}
        self._load(offers, {m["offer_id"] for m in ms})
        self._load(partners, {o["partner_id"] for o in self.rows["offers"].values()})
        self._load(comments, {m["comment_id"] for m in ms if m["comment_id"] is not None})
        note_ids = {m["note_id"] for m in ms if m["note_id"] is not None}
        self._load(notes, note_ids | {c["note_id"] for c in self.rows["comments"].values()})
        people = {m["account_id"] for m in ms if m["account_id"] is not None}
        people |= {n["author_id"] for n in self.rows["notes"].values()}
        people |= {o["owner_id"] for o in self.rows["offers"].values()}
        self._load(accounts, people)
        self._enforced = active_on_accounts(conn, sorted(people))
        c = collab_registrations.c
        self._collabs = set(
            conn.execute(
                select(c.brand_id, c.creator_id, c.note_id).where(
                    c.note_id.in_(sorted(self.rows["notes"])), c.status == "active"
                )
            ).all()
        )
        self._boosted = boosted_notes(conn, sorted(self.rows["notes"]))

    def _load(self, table: Table, ids: set[int]) -> None:
        got: dict[int, dict[str, object]] = {}
        ordered = sorted(i for i in ids if i is not None)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            for r in self.conn.execute(select(table).where(table.c.id.in_(chunk))).mappings():
                got[r["id"]] = dict(r)
        self.rows[table.name] = got

    def row(self, table: Table, ident: int | None) -> dict[str, object] | None:
        if table.name not in self.rows:
            return super().row(table, ident)
        return None if ident is None else self.rows[table.name].get(ident)

    def enforced(self, account_ids: list[int]) -> dict[int, tuple[Enforcement, ...]]:
        return {a: self._enforced[a] for a in account_ids if a in self._enforced}

    def has_collab(self, brand_id: int, creator_id: int, note_id: int) -> bool:
        return (brand_id, creator_id, note_id) in self._collabs

    def boosted(self, note_id: int) -> bool:
        return note_id in self._boosted

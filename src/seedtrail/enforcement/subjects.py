"""What a case can be about: an account, a note or a comment; who owns it, how far it reaches, and
which of its fields an action changes.

Subjects need not be in the store (the demo world keeps comments in Parquet): a case can still be
opened and labelled, but an action that changes a subject's state needs the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column, Connection, Table, func, select

from seedtrail.store.schema import accounts, comments, notes

SubjectType = Literal["account", "note", "comment"]
SUBJECT_TYPES: tuple[str, ...] = ("account", "note", "comment")
#: Store ids are 32-bit; lake ids (e.g. comments kept in Parquet) may be larger, and are then
#: known not to be in the store without asking it (PostgreSQL refuses such a comparison).
MAX_STORE_ID = 2**31 - 1


def in_range(ids: list[int]) -> list[int]:
    return [i for i in ids if 0 < i <= MAX_STORE_ID]


@dataclass(frozen=True)
class Subject:
    type: str
    id: int
    row: dict[str, Any] | None  # None: not in the store

    @property
    def in_store(self) -> bool:
        return self.row is not None

    @property
    def owner_id(self) -> int | None:
        """The account that owns the subject (itself, the note's or the comment's author)."""
        if self.row is None:
            return None
        return int(self.row["id"] if self.type == "account" else self.row["author_id"])


def table_of(subject_type: str) -> Table:
    return {"account": accounts, "note": notes, "comment": comments}[subject_type]


def load(conn: Connection, subject_type: str, subject_id: int) -> Subject:
    if not in_range([subject_id]):
        return Subject(subject_type, subject_id, None)
    table = table_of(subject_type)
    id_col: Column[Any] = table.c.id
    row = conn.execute(select(table).where(id_col == subject_id)).mappings().first()
    return Subject(subject_type, subject_id, dict(row) if row is not None else None)


def existing_accounts(conn: Connection, account_ids: list[int]) -> set[int]:
    ids = in_range(account_ids)
    if not ids:
        return set()
    return set(conn.execute(select(accounts.c.id).where(accounts.c.id.in_(ids))).scalars())


def facts(conn: Connection, subject_type: str, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(owner account, default reach) of those subjects that are in the store. Reach: an
    account's followers; a note's author's followers; for a comment, the followers of the author
    of the note it sits under (who sees it)."""
    ids = in_range(ids)
    if not ids:
        return {}
    if subject_type == "account":
        query = select(accounts.c.id, accounts.c.id, accounts.c.follower_count).where(
            accounts.c.id.in_(ids)
        )
    elif subject_type == "note":
        query = (
            select(notes.c.id, notes.c.author_id, accounts.c.follower_count)
            .join(accounts, accounts.c.id == notes.c.author_id)
            .where(notes.c.id.in_(ids))
        )
    else:
        query = (
            select(comments.c.id, comments.c.author_id, accounts.c.follower_count)
            .select_from(comments)
            .join(notes, notes.c.id == comments.c.note_id)
            .join(accounts, accounts.c.id == notes.c.author_id)
            .where(comments.c.id.in_(ids))
        )
    return {int(i): (int(owner), int(reach)) for i, owner, reach in conn.execute(query)}


def note_facts(conn: Connection, note_ids: list[int]) -> dict[int, tuple[int, str]]:
    """(audience: the author's followers, category) of the notes in the store."""
    ids = in_range(note_ids)
    if not ids:
        return {}
    query = (
        select(notes.c.id, accounts.c.follower_count, notes.c.category)
        .join(accounts, accounts.c.id == notes.c.author_id)
        .where(notes.c.id.in_(ids))
    )
    return {int(i): (int(f), str(c)) for i, f, c in conn.execute(query)}


def comment_bodies(conn: Connection, comment_ids: list[int]) -> dict[int, str]:
    ids = in_range(comment_ids)
    if not ids:
        return {}
    query = select(comments.c.id, comments.c.body).where(comments.c.id.in_(ids))
    return {int(i): str(b) for i, b in conn.execute(query)}


def note_audience(conn: Connection, note_ids: list[int]) -> int:
    """Followers of the distinct authors of these notes: who sees them (and their comments)."""
    note_ids = in_range(note_ids)
    if not note_ids:
        return 0
    authors = select(notes.c.author_id).where(notes.c.id.in_(note_ids)).distinct()
    found = list(conn.execute(authors).scalars())
    if not found:
        return 0
    total = conn.execute(
        select(func.coalesce(func.sum(accounts.c.follower_count), 0)).where(
            accounts.c.id.in_(found)
        )
    ).scalar()
    return int(total or 0)

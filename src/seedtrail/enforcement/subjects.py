"""What a case can be about: an account, a note or a comment; who owns it, how far it reaches, and
which of its fields an action changes.

Subjects need not be in the store: a case can still be opened and labelled, but an action that
changes a subject's state needs the row, so only ``label`` is offered for a subject that is not
there. When a detection arrives with its text, author and note (the scan's input), intake adopts
the comment into the store (:func:`adopt_comments`) if its note and author are there, so that
hide and remove work on it; the adoption is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Column, Connection, Table, func, insert, select

from seedtrail.store import audit
from seedtrail.store.repo import Row
from seedtrail.store.schema import accounts, comments, notes
from seedtrail.store.types import utcnow

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
    row: Row | None  # None: not in the store

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
    """The subject's row; a ``campaign`` (a case of cases) has none."""
    if subject_type not in SUBJECT_TYPES or not in_range([subject_id]):
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
    if not ids or subject_type not in SUBJECT_TYPES:
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


def adopt_comments(conn: Connection, actor: str, found: list[dict[str, Any]]) -> list[int]:
    """Insert the detected comments that are not in the store but whose note and author are.

    ``found``: ``{"id", "note_id", "author", "text", "ts"}`` per comment (the scan's input line).
    Returns the ids inserted (status ``visible``); one ``enforcement.adopt`` audit entry names them.
    Comments whose note or author the store lacks stay outside it (only a label applies to them).
    """
    wanted: dict[int, dict[str, Any]] = {}
    for c in found:
        try:
            cid, note, author = int(c["id"]), int(c["note_id"]), int(c["author"])
        except (KeyError, TypeError, ValueError):
            continue
        if in_range([cid, note, author]) == [cid, note, author] and isinstance(c.get("text"), str):
            wanted[cid] = {**c, "id": cid, "note_id": note, "author": author}
    if not wanted:
        return []
    have = set(conn.execute(select(comments.c.id).where(comments.c.id.in_(wanted))).scalars())
    rest = [c for i, c in wanted.items() if i not in have]
    note_ids = sorted({c["note_id"] for c in rest})
    notes_in = set(conn.execute(select(notes.c.id).where(notes.c.id.in_(note_ids))).scalars())
    authors = existing_accounts(conn, sorted({c["author"] for c in rest}))
    rows = []
    for c in rest:
        if c["note_id"] in notes_in and c["author"] in authors:
            at = _when(c.get("ts"))
            rows.append(
                {
                    "id": c["id"],
                    "note_id": c["note_id"],
                    "author_id": c["author"],
                    "body": c["text"],
                    "status": "visible",
                    "created_at": at,
                    "updated_at": at,
                }
            )
    if rows:
        conn.execute(insert(comments), rows)
        audit.record(
            conn,
            actor=actor,
            action="enforcement.adopt",
            object_type="comment",
            detail={"comments": [r["id"] for r in rows], "why": "detected; acted on in the store"},
        )
    return [r["id"] for r in rows]


def _when(ts: Any) -> datetime:
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, UTC)
    if isinstance(ts, str):
        try:
            parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
        except ValueError:
            return utcnow()
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return utcnow()


def names(
    conn: Connection, account_ids: list[int], note_ids: list[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Handles of the accounts and titles of the notes that are in the store (for display)."""
    handles: dict[int, str] = {}
    titles: dict[int, str] = {}
    a, n = sorted(set(in_range(account_ids))), sorted(set(in_range(note_ids)))
    for start in range(0, len(a), 1000):
        query = select(accounts.c.id, accounts.c.handle).where(accounts.c.id.in_(a[start:][:1000]))
        handles.update((int(i), str(h)) for i, h in conn.execute(query))
    for start in range(0, len(n), 1000):
        query = select(notes.c.id, notes.c.title).where(notes.c.id.in_(n[start:][:1000]))
        titles.update((int(i), str(t)) for i, t in conn.execute(query))
    return handles, titles

"""Where texts to scan come from: a JSONL file, a simulated world (``seedtrail sim``) or the store,
and, when the community chooses to send them, direct messages (:func:`read_dms`, opt-in).

Every source yields batches of :class:`Item` rows. JSONL lines need ``id`` and ``text``, and may
carry ``author``, ``note_id``, ``ts`` (ISO 8601 or unix seconds), ``author_created``, ``kind``
(``comment``, default, ``note``, ``profile``: a display name and bio, or ``dm``) and ``images``
(image files, relative to the JSONL file's directory, scanned for QR codes); a bad line raises
:class:`InvalidInput` naming the file and line, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow.parquet as pq

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

#: What a text can be: a comment, a note, a profile (display name and bio), a direct message
KINDS = ("comment", "note", "profile", "dm")

if TYPE_CHECKING:
    from seedtrail.store.store import Store


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    author: str | None = None
    note_id: str | None = None
    ts: float | None = None  # unix seconds
    author_created: float | None = None
    kind: str = "comment"
    images: tuple[str, ...] = ()  # local image files (a note's pictures), scanned for QR codes


def _time(value: Any, where: str, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if dt.tzinfo is None:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.time_zone",
                        {"where": where, "field": field, "value": repr(value)},
                    )
                )
            return dt.timestamp()
    raise InvalidInput(Msg("problem.invalid-input.time_format", {"where": where, "field": field}))


def read_jsonl(path: Path, batch: int = 50_000) -> Iterator[list[Item]]:
    """Batches of items from a JSONL file; a bad line raises with ``file:line``.

    The common case (a JSON object with numeric or absent times, no images) takes no detour:
    at a million lines this loop is most of what the main process does during a scan.
    """
    if not path.exists():
        raise InvalidInput(Msg("problem.invalid-input.path_missing", {"path": str(path)}))
    out: list[Item] = []
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if not line.strip():
                    continue
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.jsonl_invalid",
                        {"path": str(path), "line": lineno, "error": str(exc)},
                    )
                ) from exc
            if not isinstance(rec, dict):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_object", {"path": str(path), "line": lineno})
                )
            rid, text = rec.get("id"), rec.get("text")
            if rid is None or rid == "" or not isinstance(text, str):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_id_text", {"path": str(path), "line": lineno})
                )
            kind = rec.get("kind", "comment")
            if kind != "comment" and kind not in KINDS:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.jsonl_kind",
                        {
                            "path": str(path),
                            "line": lineno,
                            "allowed": ", ".join(KINDS),
                            "kind": repr(kind),
                        },
                    )
                )
            images = rec.get("images") or ()
            if images and (
                not isinstance(images, list) or not all(isinstance(i, str) for i in images)
            ):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_images", {"path": str(path), "line": lineno})
                )
            author, note = rec.get("author"), rec.get("note_id")
            out.append(
                Item(
                    rid if type(rid) is str else str(rid),
                    text,
                    None if author is None else str(author),
                    None if note is None else str(note),
                    _time_at(rec.get("ts"), path, lineno, "ts"),
                    _time_at(rec.get("author_created"), path, lineno, "author_created"),
                    kind,
                    tuple(str(path.parent / i) for i in images) if images else (),
                )
            )
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


def _time_at(value: Any, path: Path, lineno: int, field: str) -> float | None:
    """:func:`_time` with a fast path for absent and numeric values (``where`` built lazily)."""
    if value is None:
        return None
    if type(value) is float or type(value) is int:
        return float(value)
    return _time(value, f"{path}:{lineno}", field)


def read_world(world: Path, batch: int = 200_000) -> Iterator[list[Item]]:
    """Comments (``events/comments.parquet``), notes and profiles (display name and bio) of a
    world written by ``seedtrail sim``."""
    comments = world / "events" / "comments.parquet"
    if not comments.exists():
        raise InvalidInput(Msg("problem.sim-error.no_manifest", {"path": str(comments)}))
    created = _account_created(world)
    pf = pq.ParquetFile(comments)
    for rb in pf.iter_batches(
        batch_size=batch, columns=["comment_id", "note_id", "author", "text", "ts"]
    ):
        cols = rb.to_pydict()
        ts = [t.timestamp() if t is not None else None for t in cols["ts"]]
        yield [
            Item(str(c), t, str(a), str(n), s, created.get(a), "comment")
            for c, n, a, t, s in zip(
                cols["comment_id"], cols["note_id"], cols["author"], cols["text"], ts, strict=True
            )
        ]
    notes = world / "entities" / "notes.parquet"
    if notes.exists():
        tab = pq.read_table(
            notes, columns=["note_id", "author_id", "title", "body", "published_at"]
        )
        cols = tab.to_pydict()
        yield [
            Item(f"note:{n}", f"{ti}\n{b}", str(a), str(n), p.timestamp(), created.get(a), "note")
            for n, a, ti, b, p in zip(
                cols["note_id"],
                cols["author_id"],
                cols["title"],
                cols["body"],
                cols["published_at"],
                strict=True,
            )
        ]
    yield from _profiles(world / "entities" / "accounts.parquet", batch)


def _profiles(path: Path, batch: int) -> Iterator[list[Item]]:
    """Each account's display name and bio as one ``profile:<id>`` text (author: itself)."""
    if not path.exists():
        return
    names = pq.ParquetFile(path).schema_arrow.names
    cols = ["account_id", "display_name", "created_at"] + (["bio"] if "bio" in names else [])
    for rb in pq.ParquetFile(path).iter_batches(batch_size=batch, columns=cols):
        d = rb.to_pydict()
        bios = d.get("bio") or [None] * len(d["account_id"])
        yield [
            profile_item(a, n, b, c.timestamp() if c else None)
            for a, n, b, c in zip(
                d["account_id"], d["display_name"], bios, d["created_at"], strict=True
            )
        ]


def profile_item(account: Any, name: str | None, bio: str | None, created: float | None) -> Item:
    text = "\n".join(x for x in (name, bio) if x)
    return Item(f"profile:{account}", text, str(account), None, created, created, "profile")


def read_dms(path: Path, batch: int = 50_000) -> Iterator[list[Item]]:
    """Direct messages the community chose to send (opt-in): JSONL lines with ``id``, ``text``,
    ``sender`` and optionally ``ts``; each becomes a ``dm:<id>`` text by its sender."""
    if not path.exists():
        raise InvalidInput(Msg("problem.invalid-input.path_missing", {"path": str(path)}))
    out: list[Item] = []
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.jsonl_invalid",
                        {"path": str(path), "line": lineno, "error": str(exc)},
                    )
                ) from exc
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_message", {"path": str(path), "line": lineno})
                )
            if rec.get("id") in (None, "") or rec.get("sender") in (None, ""):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_message", {"path": str(path), "line": lineno})
                )
            ts = _time_at(rec.get("ts"), path, lineno, "ts")
            out.append(
                Item(f"dm:{rec['id']}", rec["text"], str(rec["sender"]), None, ts, None, "dm")
            )
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


def _account_created(world: Path) -> dict[int, float]:
    path = world / "entities" / "accounts.parquet"
    if not path.exists():
        return {}
    tab = pq.read_table(path, columns=["account_id", "created_at"]).to_pydict()
    return {
        a: c.timestamp() for a, c in zip(tab["account_id"], tab["created_at"], strict=True) if c
    }


def world_brands(world: Path) -> tuple[list[str], set[str]]:
    """Brand names of a world and the *declared* commercial notes (``note:<id>``).

    A note is declared when a collab registration covers it or a brand or enterprise account
    posted it (an official account promoting itself is not a soft ad).
    """
    acc = world / "entities" / "accounts.parquet"
    names: list[str] = []
    official: set[int] = set()
    if acc.exists():
        tab = pq.read_table(acc, columns=["account_id", "kind", "display_name"]).to_pydict()
        for a, k, n in zip(tab["account_id"], tab["kind"], tab["display_name"], strict=True):
            if k == "brand":
                names.append(n.removesuffix("官方"))
            if k in ("brand", "enterprise"):
                official.add(a)
    declared: set[str] = set()
    collabs = world / "entities" / "collab_registrations.parquet"
    if collabs.exists():
        declared |= {f"note:{n}" for n in pq.read_table(collabs).column("note_id").to_pylist()}
    notes = world / "entities" / "notes.parquet"
    if notes.exists():
        tab = pq.read_table(notes, columns=["note_id", "author_id"]).to_pydict()
        declared |= {
            f"note:{n}"
            for n, a in zip(tab["note_id"], tab["author_id"], strict=True)
            if a in official
        }
    return names, declared


def read_store(store: Store, batch: int = 50_000) -> Iterator[list[Item]]:
    """Comments (with their author's account age), notes and profiles from the store, in id
    order."""
    from sqlalchemy import select

    from seedtrail.store.schema import accounts, comments, notes

    c, a, n = comments, accounts, notes
    q_comments = (
        select(c.c.id, c.c.body, c.c.author_id, c.c.note_id, c.c.created_at, a.c.created_at)
        .join(a, a.c.id == c.c.author_id)
        .order_by(c.c.id)
    )
    q_notes = (
        select(n.c.id, n.c.title, n.c.body, n.c.author_id, n.c.published_at, a.c.created_at)
        .join(a, a.c.id == n.c.author_id)
        .order_by(n.c.id)
    )
    with store.read() as conn:
        result = conn.execution_options(yield_per=batch).execute(q_comments)
        for part in result.partitions():
            yield [
                Item(str(i), body, str(au), str(no), ts.timestamp(), made.timestamp())
                for i, body, au, no, ts, made in part
            ]
        result = conn.execution_options(yield_per=batch).execute(q_notes)
        for part in result.partitions():
            yield [
                Item(
                    f"note:{i}",
                    f"{ti}\n{body}",
                    str(au),
                    str(i),
                    ts.timestamp(),
                    made.timestamp(),
                    "note",
                )
                for i, ti, body, au, ts, made in part
            ]
        q_profiles = select(a.c.id, a.c.display_name, a.c.bio, a.c.created_at).order_by(a.c.id)
        bios = conn.execution_options(yield_per=batch).execute(q_profiles)
        for rows in bios.partitions():
            yield [profile_item(i, n, b, made.timestamp()) for i, n, b, made in rows]


def store_brands(store: Store) -> tuple[list[str], set[str]]:
    """Brand names in the store and its *declared* notes (as in :func:`world_brands`)."""
    from sqlalchemy import select

    from seedtrail.store.schema import accounts, collab_registrations, notes

    with store.read() as conn:
        names = list(
            conn.execute(select(accounts.c.display_name).where(accounts.c.kind == "brand"))
            .scalars()
            .all()
        )
        official = select(accounts.c.id).where(accounts.c.kind.in_(["brand", "enterprise"]))
        declared = {
            f"note:{i}"
            for i in conn.execute(
                select(notes.c.id).where(notes.c.author_id.in_(official))
            ).scalars()
        }
        declared |= {
            f"note:{i}"
            for i in conn.execute(
                select(collab_registrations.c.note_id).where(
                    collab_registrations.c.status == "active"
                )
            ).scalars()
        }
    return names, declared

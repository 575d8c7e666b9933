"""Names beside the ids in attribution JSON: a note row carries its title and its author's id and
handle, a campaign row its name, so pages show names and clients keep the ids to join on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, select

from seedtrail.attribution.report_json import RowJSON
from seedtrail.store.schema import accounts, campaigns, notes


def _ids(rows: Sequence[Mapping[str, object]]) -> list[int]:
    return sorted({int(str(r["key"])) for r in rows if str(r.get("key", "")).isdecimal()})


def name_notes(conn: Connection, rows: list[RowJSON]) -> list[RowJSON]:
    """Add ``title``, ``author_id`` and ``author_handle`` to note rows (keyed by note id); rows
    of notes not in the store get nulls, rows the clean room withheld stay as they are."""
    found: dict[int, tuple[str, int, str]] = {}
    ids = _ids(rows)
    for start in range(0, len(ids), 1000):
        query = (
            select(notes.c.id, notes.c.title, notes.c.author_id, accounts.c.handle)
            .join(accounts, accounts.c.id == notes.c.author_id)
            .where(notes.c.id.in_(ids[start : start + 1000]))
        )
        found.update((int(i), (str(t), int(a), str(h))) for i, t, a, h in conn.execute(query))
    for r in rows:
        if "withheld" in r:
            continue
        hit = found.get(int(str(r["key"]))) if str(r.get("key", "")).isdecimal() else None
        r["title"], r["author_id"], r["author_handle"] = hit or (None, None, None)
    return rows


def name_campaigns(conn: Connection, rows: list[RowJSON]) -> list[RowJSON]:
    """Add ``name`` to campaign rows (keyed by campaign id; ``none`` and unknown keys: null)."""
    ids = _ids(rows)
    query = select(campaigns.c.id, campaigns.c.name).where(campaigns.c.id.in_(ids))
    found = {int(i): str(n) for i, n in conn.execute(query)} if ids else {}
    for r in rows:
        r["name"] = found.get(int(str(r["key"]))) if str(r.get("key", "")).isdecimal() else None
    return rows

"""Pages of long lists: keyset (cursor) paging, and offsets bounded to what stays fast.

A list has an order: columns, each ascending or descending, the last one unique (the row id).
Each page carries an opaque cursor for the next one (``next``) that holds the last row's key; the
next page reads the rows strictly after that key from an index in the list's order, so page 5,001
costs what page 1 costs. Rows after a key ``(k1, k2, k3)`` are the union of three index ranges,
each read in order and cut at the page size: ``k1 = v1, k2 = v2, k3 after v3``;
``k1 = v1, k2 after v2``; ``k1 after v1``. (A single OR condition would make the database walk
every row before the key, as an offset does.)

An ``offset`` still works up to :data:`MAX_OFFSET` rows (the database reads and drops every skipped
row: 4.2 s at offset 500,000 on PostgreSQL); beyond it the reader gets a 422 naming the cursor.

The cursor is URL-safe base64 of a JSON array: the format version, the list's name, a fingerprint
of its filters, the number of rows before the next page (for display), then the key's values.
Clients pass it back unchanged. One that does not decode, names another list, was made for other
filters or holds values of the wrong kind is refused with a 422 problem. It grants nothing: the
next page is read with the reader's own scope and filters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Select, and_, select, union_all

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg, term
from seedtrail.store.repo import Row

#: The deepest offset a list accepts; past it, page on with the cursor.
MAX_OFFSET = 10_000
#: The most rows one page of a list holds (the API's and the CLI's ``limit``).
MAX_LIMIT = 1000
VERSION = 1
#: Longer than any cursor this module writes (keys of a few 64-bit numbers).
MAX_CURSOR = 256
_LIMIT64 = 2**63


@dataclass(frozen=True)
class Listing:
    """A long list: its name (cursors of one list are refused by another) and its order, as
    ``(column, descending)`` pairs ending in a unique column."""

    name: str
    order: tuple[tuple[Column[Any], bool], ...]

    def ordered(self) -> list[ColumnElement[Any]]:
        return [c.desc() if desc else c.asc() for c, desc in self.order]


@dataclass(frozen=True)
class Page:
    """Rows of one page; ``next`` is the cursor of the page after it (None on the last page);
    ``position`` is how many rows of the list come before this page."""

    rows: list[Row]
    next: str | None
    position: int


def fingerprint(listing: str, filters: Mapping[str, object]) -> str:
    """What makes two requests the same list: its name and the filters given (None left out)."""
    given = {k: v for k, v in filters.items() if v is not None}
    canonical = json.dumps([listing, given], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(
    listing: Listing, filters: Mapping[str, object], position: int, key: Sequence[int]
) -> str:
    payload = [VERSION, listing.name, fingerprint(listing.name, filters), position, *key]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, listing: Listing, filters: Mapping[str, object]) -> tuple[int, list[int]]:
    """(position, key) from a cursor this list gave out for these filters; 422 otherwise."""
    refused = InvalidInput(
        Msg("problem.invalid-input.cursor", {"list": term("resource", listing.name)})
    )
    if not cursor or len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise refused from None
    n = len(listing.order)
    if (
        not isinstance(payload, list)
        or len(payload) != 4 + n
        or payload[0] != VERSION
        or payload[1] != listing.name
        or not all(_int64(v) for v in payload[3:])
        or payload[3] < 0
    ):
        raise refused
    if payload[2] != fingerprint(listing.name, filters):
        raise InvalidInput(
            Msg("problem.invalid-input.cursor_filters", {"list": term("resource", listing.name)})
        )
    return int(payload[3]), [int(v) for v in payload[4:]]


def _int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_LIMIT64 <= value < _LIMIT64


def check_offset(offset: int, cursor: str | None) -> None:
    """An offset is bounded and does not mix with a cursor (422 naming the cursor otherwise)."""
    if offset and cursor:
        raise InvalidInput(Msg("problem.invalid-input.cursor_offset", {}))
    if offset > MAX_OFFSET:
        raise InvalidInput(Msg("problem.invalid-input.offset_cap", {"max": MAX_OFFSET}))


def after(base: Select[Any], listing: Listing, key: Sequence[int], limit: int) -> Select[Any]:
    """``base``'s first ``limit`` rows strictly after ``key`` in the listing's order: one index
    range per key column, each cut at ``limit``, merged in order."""
    branches = []
    for i, (column, desc) in enumerate(listing.order):
        equal = [c == v for (c, _), v in zip(listing.order[:i], key, strict=False)]
        beyond = column < key[i] if desc else column > key[i]
        branch = base.where(and_(*equal, beyond)).order_by(*listing.ordered()).limit(limit)
        branches.append(branch)
    if len(branches) == 1:
        return branches[0]
    merged = union_all(*(select(b.subquery()) for b in branches)).subquery()
    order = [merged.c[c.name].desc() if d else merged.c[c.name] for c, d in listing.order]
    return select(merged).order_by(*order).limit(limit)


def read(
    conn: Connection,
    listing: Listing,
    base: Select[Any],
    filters: Mapping[str, object],
    *,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> Page:
    """One page of ``base`` (a select with its filters, no order) in the listing's order: from
    the start, ``offset`` rows in (bounded), or after ``cursor``."""
    check_offset(offset, cursor)
    position, query = offset, base.order_by(*listing.ordered()).limit(limit + 1).offset(offset)
    if cursor is not None:
        position, key = decode(cursor, listing, filters)
        query = after(base, listing, key, limit + 1)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    more, rows = len(rows) > limit, rows[:limit]
    names = [c.name for c, _ in listing.order]
    following = (
        encode(listing, filters, position + len(rows), [rows[-1][n] for n in names])
        if more
        else None
    )
    return Page(rows, following, position)

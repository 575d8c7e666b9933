"""A small table gateway: insert, get, list and update rows as plain dicts, with clear errors.

Each noun's module builds a :class:`Repo` for its table and adds its own queries; nothing here
knows about any particular table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from seedtrail.core.errors import Conflict, InvalidInput, NotFound, not_found
from seedtrail.messages import Msg, term
from seedtrail.store.types import utcnow

Row = dict[str, Any]


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    return text.replace("UNIQUE constraint failed: ", "duplicate value for ")


def _no_nul(values: dict[str, object]) -> None:
    """PostgreSQL text cannot hold NUL and SQLite would keep it: refused alike on both."""
    bad = sorted(k for k, v in values.items() if isinstance(v, str) and "\x00" in v)
    if bad:
        raise InvalidInput(
            Msg("problem.invalid-input.nul", {"fields": ", ".join(bad)}),
            errors=[{"loc": ["body", k], "msg": "contains a NUL character"} for k in bad],
        )


@dataclass(frozen=True)
class Repo:
    table: Table
    noun: str

    def _stamp(self, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        _no_nul(values)
        now = utcnow()
        cols = self.table.c
        if creating and "created_at" in cols and "created_at" not in values:
            values["created_at"] = now
        if "updated_at" in cols:
            values["updated_at"] = now
        return values

    def insert(self, conn: Connection, values: dict[str, object]) -> Row:
        values = self._stamp(dict(values), creating=True)
        try:
            # values as execution parameters: the statement compiles once per column set
            result = conn.execute(insert(self.table).returning(self.table), values)
        except IntegrityError as exc:
            raise self._integrity(exc) from None
        return dict(result.mappings().one())

    def get(self, conn: Connection, ident: Any) -> Row:
        pk = next(iter(self.table.primary_key.columns))
        row = conn.execute(select(self.table).where(pk == ident)).mappings().first()
        if row is None:
            raise NotFound(not_found(self.noun, ident))
        return dict(row)

    def find_one(self, conn: Connection, *where: ColumnElement[bool]) -> Row | None:
        row = conn.execute(select(self.table).where(*where)).mappings().first()
        return dict(row) if row is not None else None

    def list(
        self,
        conn: Connection,
        where: Sequence[ColumnElement[bool]] = (),
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Row]:
        pk = next(iter(self.table.primary_key.columns))
        query = select(self.table).order_by(pk).limit(limit).offset(offset)
        if where:
            query = query.where(and_(*where))
        return [dict(r) for r in conn.execute(query).mappings()]

    def update(self, conn: Connection, ident: Any, values: dict[str, object]) -> tuple[Row, Row]:
        """Change a row; returns (before, after) for the audit log."""
        before = self.get(conn, ident)
        if not values:
            return before, before
        pk = next(iter(self.table.primary_key.columns))
        values = self._stamp(dict(values), creating=False)
        try:
            conn.execute(update(self.table).where(pk == ident).values(**values))
        except IntegrityError as exc:
            raise self._integrity(exc) from None
        return before, self.get(conn, ident)

    def _integrity(self, exc: IntegrityError) -> Exception:
        msg = _integrity_message(exc)
        lowered = msg.lower()
        said = {"noun": term("object", self.noun), "error": msg}
        if "foreign key" in lowered:
            return InvalidInput(Msg("problem.invalid-input.foreign_key", said))
        if "check constraint" in lowered or "violates check" in lowered:
            return InvalidInput(Msg("problem.invalid-input.out_of_range", said))
        return Conflict(Msg("problem.conflict.integrity", said))

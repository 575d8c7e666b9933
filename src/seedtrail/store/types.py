"""Column types shared by the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: seedtrail stores UTC-aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Input bounds matching the columns: an ``Integer`` column holds 32 bits on PostgreSQL (and a
# number past 64 bits cannot even be bound on SQLite), so ids, counts and offsets coming from
# outside are checked against these before they reach a query.
MAX_INT = 2**31 - 1
"""The largest value an ``Integer`` column (a row id, a count) holds on every backend."""
Id = Annotated[int, Ge(1), Le(MAX_INT)]
"""A row id given from outside (path, query or body)."""
Count = Annotated[int, Ge(0), Le(MAX_INT)]
"""A count or offset given from outside."""

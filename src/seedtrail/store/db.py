"""Engine creation: SQLite (embedded default) tuned for durability, or PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

from seedtrail.core.errors import ConfigError
from seedtrail.core.extras import require
from seedtrail.messages import Msg

#: Execution option marking a connection that only reads (see :meth:`Store.read`).
READ_ONLY = "seedtrail_read_only"


def _none(_: None) -> None:
    return None


def bind_directly() -> None:
    """Register ``sqlite3`` adapters for ``None`` and ``bool`` (NULL and 0/1, what it binds them
    as anyway). Without one, Python's ``sqlite3`` looks each such parameter up in its adapter
    registry, fails, then asks the parameter's protocol for ``__adapt__`` (an AttributeError
    built and dropped): about 0.3 us a parameter, a fifth of the click mover's insert (a click
    row holds four NULLs and two flags). Process-wide and idempotent; called for every SQLite
    engine."""
    sqlite3.register_adapter(type(None), _none)
    sqlite3.register_adapter(bool, int)


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:
        raise ConfigError(Msg("problem.config-error.database_url")) from exc


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite database URL (None: in memory, or another backend)."""
    parsed = url if isinstance(url, URL) else _parse(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine. SQLite gets WAL, synchronous=FULL (every commit is fsync'd), foreign keys
    on and a busy timeout; the data directory is created when missing (and the file at the first
    connection: see :meth:`Store.from_settings` for a store that must exist)."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(parsed)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        bind_directly()
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy issue BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front (no deadlock on upgrade); readers don't.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername == "postgresql+psycopg":
            require("psycopg", "postgres")
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    backend = repr(parsed.get_backend_name())
    raise ConfigError(Msg("problem.config-error.database_backend", {"backend": backend}))


def insert_ignoring_duplicates(conn: Connection, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` on either backend: a row that exists already (or is
    being inserted by a concurrent transaction, which this one then waits for) is left alone."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement: Insert = dialect.insert(table).on_conflict_do_nothing()
    return statement

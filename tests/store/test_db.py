"""The engine factory: what an SQLite engine binds, and how."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from seedtrail.store.db import make_engine


def test_sqlite_binds_null_and_flags_as_it_always_did_without_an_adapter_miss(
    tmp_path: Path,
) -> None:
    """``bind_directly`` registers adapters for None and bool: the values stored are the same
    (NULL, integer 0/1), and neither type is left to the registry's failing lookup."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
    assert sqlite3.adapters[(bool, sqlite3.PrepareProtocol)](True) == 1
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TABLE t (a, b, c)")
        cur.execute("INSERT INTO t VALUES (?, ?, ?)", (None, True, False))
        cur.execute("SELECT a, typeof(a), b, typeof(b), c, typeof(c) FROM t")
        assert cur.fetchall() == [(None, "null", 1, "integer", 0, "integer")]
    finally:
        raw.close()
        engine.dispose()

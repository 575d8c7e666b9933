"""The policy epoch: a counter bumped by every change that can open or close a live link, so
that every serving process notices it and refreshes its link cache."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from seedtrail.store.schema import meta

KEY = "policy_epoch"


def read(conn: Connection) -> int:
    value = conn.execute(select(meta.c.value).where(meta.c.key == KEY)).scalar()
    return int(value or 0)


def bump(conn: Connection) -> int:
    """Increase the epoch in the caller's transaction and mark the connection so the store can
    tell in-process listeners after commit."""
    result = conn.execute(update(meta).where(meta.c.key == KEY).values(value=meta.c.value + 1))
    if result.rowcount == 0:
        conn.execute(insert(meta).values(key=KEY, value=1))
    conn.info["policy_changed"] = True
    return read(conn)

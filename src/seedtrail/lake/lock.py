"""One sealer (or compactor) at a time: ``pg_try_advisory_lock`` when the inbox is PostgreSQL
(any node may run it), else an exclusive file lock next to the SQLite database.

On PostgreSQL the lock is one deployment's: its key is taken from the schema the deployment's
tables live in (``current_schema()``), so deployments sharing one database in separate schemas
never wait for each other's sealer."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from seedtrail.core.errors import Conflict
from seedtrail.messages import Msg

LOCK_NAME = "seedtrail.lake.sealer:"
#: the deployment's lock key: the name and the schema, hashed to PostgreSQL's advisory key
_PG_KEY = "hashtext(:n || current_schema())"


@contextmanager
def exclusive(engine: Engine, lock_dir: Path, name: str = "sealer") -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(
                text(f"SELECT pg_try_advisory_lock({_PG_KEY})"), {"n": LOCK_NAME}
            ).scalar()
            if not got:
                raise Conflict(Msg("problem.conflict.lake_lock_pg", {"name": name}))
            try:
                yield
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({_PG_KEY})"), {"n": LOCK_NAME})
                conn.commit()
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / "lake.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Conflict(
                Msg("problem.conflict.lake_lock", {"name": name, "path": str(path)})
            ) from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock

"""The click mover: copies clicks from the click segments (:mod:`seedtrail.links.segment`) into
the store's ``clicks`` table, where the sealer, the counts and the dashboard find them.

Each round reads every segment file from where the last round stopped, up to its last complete
record, and inserts those clicks in one transaction, skipping click ids already there (so a
replay after a crash is harmless). A file is removed once fully copied and sealed: its writer has
moved on to a newer file, or its writer is dead (its lock is free; kill -9 included), in which
case a torn last record is left out, since no request waited on it successfully.

On PostgreSQL the movers of several processes take one advisory lock per transaction, so click
row ids are assigned in commit order and the sealer's watermark never skips a row.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from seedtrail.links.clicklog import COLUMNS, Click
from seedtrail.links.segment import lock_path, parse_name, read_records, writer_alive
from seedtrail.store.groupcommit import run_once
from seedtrail.store.schema import clicks

#: clicks per INSERT statement: one statement's overhead (and, on PostgreSQL, round trip) spread
#: over many rows; 50 x 18 parameters stays far below SQLite's and PostgreSQL's limits
ROWS_PER_STATEMENT = 50
#: serialises click inserts across one deployment's PostgreSQL movers (keyed by its schema)
ADVISORY_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtext('seedtrail.clicks.mover:' || current_schema()))"
)


@dataclass
class MoveReport:
    moved: int = 0
    files_removed: int = 0
    offsets: dict[str, int] = field(default_factory=dict)


class ClickMover:
    def __init__(self, engine: Engine, directory: Path, *, max_batch: int = 20_000) -> None:
        self.engine = engine
        self.directory = directory
        self.max_batch = max_batch
        self.moved = 0
        self._offsets: dict[str, int] = {}
        dialect = engine.dialect.name
        self._pg = dialect == "postgresql"
        self._sql_one = _insert_sql(dialect, 1)
        self._sql_many = _insert_sql(dialect, ROWS_PER_STATEMENT)

    def move_once(self) -> MoveReport:
        """One round over every segment file; returns what it copied and removed."""
        report = MoveReport()
        if not self.directory.is_dir():
            return report
        by_writer: dict[str, list[tuple[int, Path]]] = defaultdict(list)
        for path in self.directory.glob("w-*.seg"):
            parsed = parse_name(path.name)
            if parsed:
                by_writer[parsed[0]].append((parsed[1], path))
        for writer, files in by_writer.items():
            alive = writer_alive(self.directory, writer)
            files.sort()
            for i, (_, path) in enumerate(files):
                sealed = not alive or i < len(files) - 1
                self._move_file(path, sealed, report)
            if not alive and not any(p.exists() for _, p in files):
                with contextlib.suppress(FileNotFoundError):
                    lock_path(self.directory, writer).unlink()
        self.moved += report.moved
        return report

    def _move_file(self, path: Path, sealed: bool, report: MoveReport) -> None:
        start = self._offsets.get(path.name, 0)
        try:
            with path.open("rb") as fh:
                fh.seek(start)
                data = fh.read()
        except FileNotFoundError:
            return
        done = 0
        batch: list[Click] = []
        for done, group in read_records(data):
            batch += group  # a record's clicks go in together: the offset moves past all of them
            if len(batch) >= self.max_batch:
                self._insert(batch)
                report.moved += len(batch)
                self._offsets[path.name] = start + done
                batch = []
        if batch:
            self._insert(batch)
            report.moved += len(batch)
        end = start + done
        self._offsets[path.name] = end
        report.offsets[path.name] = end
        if sealed:
            path.unlink()
            self._offsets.pop(path.name, None)
            report.files_removed += 1

    def _insert(self, batch: list[Click]) -> None:
        run_once(self.engine, self._apply, batch)

    def _apply(self, cur: Any, batch: Sequence[Click]) -> list[None]:
        if self._pg:
            cur.execute(ADVISORY_LOCK)
        full = len(batch) - len(batch) % ROWS_PER_STATEMENT
        if full:
            cur.executemany(
                self._sql_many,
                [
                    self._params(batch[i : i + ROWS_PER_STATEMENT])
                    for i in range(0, full, ROWS_PER_STATEMENT)
                ],
            )
        if full < len(batch):
            cur.executemany(self._sql_one, batch[full:])
        return []

    @staticmethod
    def _params(rows: Sequence[Click]) -> list[Any]:
        """One multi-row statement's parameters (on SQLite the flags and NULLs bind without an
        adapter lookup: :func:`seedtrail.store.db.bind_directly`)."""
        return list(chain.from_iterable(rows))


def _insert_sql(dialect: str, rows: int) -> str:
    """An insert of ``rows`` clicks that skips click ids already in the table."""
    cols = ", ".join(COLUMNS)
    mark = "?" if dialect == "sqlite" else "%s"
    values = ", ".join(["(" + ", ".join([mark] * len(COLUMNS)) + ")"] * rows)
    if dialect == "sqlite":
        return f"INSERT OR IGNORE INTO {clicks.name} ({cols}) VALUES {values}"  # noqa: S608 (constant names)
    return (
        f"INSERT INTO {clicks.name} ({cols}) VALUES {values} "  # noqa: S608 (constant names)
        "ON CONFLICT (click_id) DO NOTHING"
    )

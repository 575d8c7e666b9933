"""Stored report runs: where they live under the data directory, which one is current, and
reading them back with DuckDB (the API serves stored figures; it never recomputes).

Layout: ``<data_dir>/attribution/reports/<run_id>/`` holds the Parquet tables and
``report.json`` of one run (:mod:`seedtrail.attribution.report`); ``<data_dir>/attribution/
latest.json`` names the published run (``run_id`` and ``path``; a run written elsewhere with
``--out`` may be published too). Publishing replaces ``latest.json`` atomically, so a reader sees
either the old run or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from seedtrail.attribution.dialect import literal
from seedtrail.core.errors import InvalidInput, NotFound, ReportOutdated
from seedtrail.messages import N_, Msg

FORMAT_VERSION = 4
"""The report layout this build writes and reads (``format_version`` in ``report.json``; a run
without one is format 1). 2: the funnel's ``people`` column, tables sorted by their lookup keys.
3: the ``daily`` table (GMV, spend and ROAS per campaign and day). 4: the funnel's ``item``
dimension and the ``shop`` table (each shop partner's own conversions by item, note, creator,
campaign and day).
Bump it whenever a table's columns or meaning change: the API then answers 409 "rebuild" for an
older run instead of failing on it."""

TABLES = ("funnel", "daily", "lift", "lift_models", "scores", "notes", "campaigns", "shop")
Rows = list[dict[str, Any]]


def root(data_dir: Path) -> Path:
    return data_dir / "attribution"


def run_dir(data_dir: Path, run_id: str) -> Path:
    return root(data_dir) / "reports" / run_id


def publish(data_dir: Path, report_dir: Path) -> dict[str, object]:
    """Make the report in ``report_dir`` the one the API serves."""
    meta = json.loads((report_dir / "report.json").read_text())
    pointer = {"run_id": meta["run_id"], "path": str(report_dir.resolve())}
    root(data_dir).mkdir(parents=True, exist_ok=True)
    tmp = root(data_dir) / f"latest.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(pointer))
    tmp.replace(root(data_dir) / "latest.json")
    return pointer


class RowCache:
    """Query results of one report run, least recently used dropped first (thread-safe). A run
    directory is never changed once written, so its results never go stale: a newly published
    run is a new :class:`StoredReport` with a new, empty cache. Bounded by entries and by rows
    held in all (a funnel row is a few kB)."""

    def __init__(
        self, max_entries: int = 512, max_rows: int = 50_000, max_result: int = 5_000
    ) -> None:
        self.max_entries = max_entries
        self.max_rows = max_rows
        self.max_result = max_result  # a larger result is returned but not kept
        self.hits = 0
        self.misses = 0
        self.rows = 0
        self._results: OrderedDict[Hashable, Rows] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._results)

    def get(self, key: Hashable) -> Rows | None:
        with self._lock:
            rows = self._results.get(key)
            if rows is None:
                self.misses += 1
                return None
            self._results.move_to_end(key)
            self.hits += 1
            return rows

    def put(self, key: Hashable, rows: Rows) -> None:
        if len(rows) > self.max_result:
            return
        with self._lock:
            old = self._results.pop(key, None)
            self.rows += len(rows) - (len(old) if old is not None else 0)
            self._results[key] = rows
            while len(self._results) > self.max_entries or self.rows > self.max_rows:
                _, dropped = self._results.popitem(last=False)
                self.rows -= len(dropped)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    scalar: Hashable = value  # the other column values are str, int, float, bool or None
    return scalar


@dataclass(frozen=True)
class StoredReport:
    """A written report, queried in place with DuckDB (through ``con``'s cursors when given:
    opening a DuckDB database costs tens of milliseconds, a cursor on an open one almost
    nothing), its results kept in ``cache`` when given."""

    path: Path
    con: duckdb.DuckDBPyConnection | None = field(default=None, compare=False, repr=False)
    cache: RowCache | None = field(default=None, compare=False, repr=False)

    @cached_property
    def meta(self) -> dict[str, Any]:
        data: dict[str, object] = json.loads((self.path / "report.json").read_text())
        return data

    def check_format(self) -> None:
        """Raise :class:`ReportOutdated` unless this build reads the run's format."""
        found = self.meta.get("format_version", 1)
        if found == FORMAT_VERSION:
            return
        newer = isinstance(found, int) and found > FORMAT_VERSION
        key = N_("problem.report-outdated.newer") if newer else N_("problem.report-outdated.older")
        raise ReportOutdated(
            Msg(
                key,
                {"run": str(self.meta.get("run_id")), "found": found, "expected": FORMAT_VERSION},
            ),
            run_id=self.meta.get("run_id"),
            format_version=found,
            expected_format_version=FORMAT_VERSION,
        )

    def table(self, name: str) -> str:
        return f"read_parquet({literal(str(self.path / f'{name}.parquet'))})"

    def query(self, sql: str, params: list[Any] | None = None) -> Rows:
        """Run ``sql`` (naming tables as ``{funnel}``, ``{lift}``...) and return dict rows."""
        if self.cache is None:
            return self._execute(sql, params)
        key = (sql, _hashable(params or []))
        rows = self.cache.get(key)
        if rows is None:
            rows = self._execute(sql, params)
            self.cache.put(key, rows)
        return [dict(r) for r in rows]  # callers may change their rows; the cache's stay

    def _execute(self, sql: str, params: list[Any] | None) -> Rows:
        con = self.con.cursor() if self.con is not None else duckdb.connect()
        try:
            cur = con.execute(sql.format(**{n: self.table(n) for n in TABLES}), params or [])
            cols = [d[0] for d in cur.description or []]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()

    def model(self, requested: str | None) -> str:
        meta = self.meta
        model = requested or str(meta["primary_model"])
        if model not in meta["models"]:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.model_not_in_report",
                    {"model": repr(model), "models": ", ".join(meta["models"])},
                )
            )
        return model


def _published(data_dir: Path) -> tuple[Path, os.stat_result] | None:
    """The published run's directory and the ``stat`` of its ``report.json``."""
    pointer = root(data_dir) / "latest.json"
    if not pointer.exists():
        return None
    path = Path(json.loads(pointer.read_text())["path"])
    try:
        return path, (path / "report.json").stat()
    except FileNotFoundError:
        raise NotFound(Msg("problem.not-found.report", {"path": str(path)})) from None


def latest(data_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> StoredReport | None:
    """The published report, or ``None`` when no run was published yet; raises
    :class:`ReportOutdated` when it was written in a format this build does not read."""
    found = _published(data_dir)
    if found is None:
        return None
    report = StoredReport(found[0], con)
    report.check_format()
    return report


class Reports:
    """What a server keeps to serve published reports: the data directory, one open DuckDB
    database whose cursors answer the queries, and the published run with its results cache
    (replaced, cache and all, when another run is published or the run's ``report.json`` is
    rewritten)."""

    def __init__(self, data_dir: Path, cache_entries: int = 512) -> None:
        self.data_dir = data_dir
        self.cache_entries = cache_entries
        self.con = duckdb.connect()
        self._current: tuple[Hashable, StoredReport] | None = None
        self._lock = threading.Lock()

    def latest(self) -> StoredReport | None:
        found = _published(self.data_dir)
        if found is None:
            return None
        path, st = found
        ident = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            current = self._current
            if current is None or current[0] != ident:
                report = StoredReport(path, self.con, RowCache(self.cache_entries))
                current = self._current = (ident, report)
        current[1].check_format()
        return current[1]

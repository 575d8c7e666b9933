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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from seedtrail.attribution.dialect import literal
from seedtrail.errors import InvalidInput, NotFound


def root(data_dir: Path) -> Path:
    return data_dir / "attribution"


def run_dir(data_dir: Path, run_id: str) -> Path:
    return root(data_dir) / "reports" / run_id


def publish(data_dir: Path, report_dir: Path) -> dict[str, Any]:
    """Make the report in ``report_dir`` the one the API serves."""
    meta = json.loads((report_dir / "report.json").read_text())
    pointer = {"run_id": meta["run_id"], "path": str(report_dir.resolve())}
    root(data_dir).mkdir(parents=True, exist_ok=True)
    tmp = root(data_dir) / f"latest.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(pointer))
    tmp.replace(root(data_dir) / "latest.json")
    return pointer


@dataclass(frozen=True)
class StoredReport:
    """A written report, queried in place with DuckDB (through ``con``'s cursors when given:
    opening a DuckDB database costs tens of milliseconds, a cursor on an open one almost
    nothing)."""

    path: Path
    con: duckdb.DuckDBPyConnection | None = field(default=None, compare=False, repr=False)

    @property
    def meta(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / "report.json").read_text())
        return data

    def table(self, name: str) -> str:
        return f"read_parquet({literal(str(self.path / f'{name}.parquet'))})"

    def has(self, name: str) -> bool:
        """Whether the run has table ``name`` (reports built by older versions may lack one)."""
        return (self.path / f"{name}.parquet").exists()

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run ``sql`` (naming tables as ``{funnel}``, ``{lift}``...) and return dict rows."""
        names = ("funnel", "daily", "lift", "lift_models", "scores", "notes", "campaigns")
        con = self.con.cursor() if self.con is not None else duckdb.connect()
        try:
            cur = con.execute(sql.format(**{n: self.table(n) for n in names}), params or [])
            cols = [d[0] for d in cur.description or []]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()

    def model(self, requested: str | None) -> str:
        meta = self.meta
        model = requested or str(meta["primary_model"])
        if model not in meta["models"]:
            raise InvalidInput(
                f"model {model!r} is not in this report; it has {', '.join(meta['models'])}"
            )
        return model


def latest(data_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> StoredReport | None:
    """The published report, or ``None`` when no run was published yet."""
    pointer = root(data_dir) / "latest.json"
    if not pointer.exists():
        return None
    path = Path(json.loads(pointer.read_text())["path"])
    if not (path / "report.json").exists():
        raise NotFound(f"the published attribution report at {path} is missing; run a new one")
    return StoredReport(path, con)


class Reports:
    """What a server keeps to serve published reports: the data directory and one open DuckDB
    database whose cursors answer the queries."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.con = duckdb.connect()

    def latest(self) -> StoredReport | None:
        return latest(self.data_dir, self.con)

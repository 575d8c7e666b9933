"""The embedded DuckDB engine (default).

Runs the shared steps, and answers the single-touch models (last touch, first touch, last
click) by reducing the bucketed equi-join straight to the best touch per conversion, with ASOF
joins for the few people with many conversions (:mod:`.duckdb_single`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from seedtrail.attribution.dialect import Dialect, literal
from seedtrail.attribution.engines.base import Progress, SqlEngine
from seedtrail.attribution.engines.duckdb_single import (
    HEAVY_ANCHORS,
    SINGLE_TOUCH,
    heavy_step,
    single_touch_steps,
)
from seedtrail.attribution.inputs import describe, file_format
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import AttributionSpec
from seedtrail.core.errors import AttributionInputError
from seedtrail.messages import Msg

DUCKDB = Dialect(
    name="duckdb",
    epoch_us="epoch_us(CAST({x} AS TIMESTAMPTZ))",
    intdiv="({a} // {b})",
    ordered_list="list({value} ORDER BY {ts}, {tiebreak})",
)


class DuckDBEngine(SqlEngine):
    dialect = DUCKDB
    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: str | None = None,
        heavy_anchors: int = HEAVY_ANCHORS,
    ) -> None:
        """``memory_limit`` like ``"6GB"`` (DuckDB spills past it); spills go to
        ``temp_directory`` (default: ``seedtrail-duckdb`` in the system temp directory, never the
        working directory). Single-touch models take people with more than ``heavy_anchors``
        conversions through ASOF joins (0: everyone)."""
        super().__init__()
        self.heavy_anchors = heavy_anchors
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        spill = temp_directory or os.path.join(tempfile.gettempdir(), "seedtrail-duckdb")
        self.con.execute(f"SET temp_directory = {literal(spill)}")
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def register(self, relation: str, paths: tuple[Path, ...]) -> list[str]:
        fmt = file_format(paths[0])
        targets = [str(p / "**" / "*.parquet") if p.is_dir() else str(p) for p in paths]
        listed = "[" + ", ".join(literal(t) for t in targets) + "]"
        reader = (
            f"read_parquet({listed}, union_by_name = true)"
            if fmt == "parquet"
            else f"read_csv({listed}, union_by_name = true)"
        )
        try:
            self.con.execute(f"CREATE OR REPLACE VIEW {relation} AS SELECT * FROM {reader}")
            return [row[0] for row in self.con.execute(f"DESCRIBE {relation}").fetchall()]
        except duckdb.Error as exc:
            raise AttributionInputError(
                Msg(
                    "problem.attribution-input.unreadable",
                    {"what": describe(paths), "error": str(exc)},
                )
            ) from exc

    def execute(self, step: Step) -> None:
        kind = "TEMP TABLE" if step.materialize and not step.rereadable else "TEMP VIEW"
        try:
            self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {step.sql}")
        except duckdb.ConversionException as exc:
            raise AttributionInputError(
                Msg("problem.attribution-input.bad_value", {"step": step.name, "error": str(exc)})
            ) from exc

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def to_arrow(self, relation: str, order_by: str) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {relation} ORDER BY {order_by}").to_arrow_table()

    def write(self, relation: str, order_by: str, path: Path) -> None:
        fmt = "CSV, HEADER" if path.suffix.lower() == ".csv" else "PARQUET"
        self.con.execute(
            f"COPY (SELECT * FROM {relation} ORDER BY {order_by}) TO {literal(str(path))} "
            f"(FORMAT {fmt})"
        )

    def close(self) -> None:
        self.con.close()

    def credit_steps(self, spec: AttributionSpec, progress: Progress) -> list[Step]:
        if spec.model.name not in SINGLE_TOUCH:
            return super().credit_steps(spec, progress)
        step = heavy_step(self.heavy_anchors)
        self.execute(step)
        heavy = self.fetch(f"SELECT COUNT(*) FROM {step.name}")[0][0] > 0
        return single_touch_steps(spec, heavy)

"""The engine side of a report: per-person rows → finest cells (people sets and clamped sums).

Runs on DuckDB over an Arrow table or a DuckDB relation. Each person keeps at most
``max_rows_per_person`` rows (chosen by a hash, so the choice is stable), and every measure is
clamped per row to ``[0, clamp]``: together these bound what one person can change, which the
k-rules rely on loosely and the DP noise relies on exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import duckdb
import pyarrow as pa

from seedtrail.cleanroom.templates import ReportRequest, ReportTemplate
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

Key = tuple[str, ...]


@dataclass
class Cell:
    people: set[object] = field(default_factory=set)
    sums: dict[str, float] = field(default_factory=dict)

    def add(self, other: Cell) -> None:
        self.people |= other.people
        for name, value in other.sums.items():
            self.sums[name] = self.sums.get(name, 0.0) + value


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def finest_cells(
    rows: pa.Table | duckdb.DuckDBPyRelation, spec: ReportTemplate, request: ReportRequest
) -> dict[Key, Cell]:
    """Aggregate the rows of one campaign and period into the template's finest cells."""
    table = rows if isinstance(rows, pa.Table) else rows.to_arrow_table()
    needed = {"person", "campaign_id", "day", *spec.levels, *(m.name for m in spec.measures)}
    missing = sorted(needed - set(table.column_names))
    if missing:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.report_columns",
                {"report": spec.name, "columns": ", ".join(missing)},
            )
        )
    level_sql = [
        "CAST(CAST(day AS DATE) AS VARCHAR)"
        if lv == "day"
        else f"coalesce(CAST({_ident(lv)} AS VARCHAR), '(none)')"
        for lv in spec.levels
    ]
    keys = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(level_sql)) or "'' AS k_"
    clamped = ", ".join(
        f"sum(least(greatest(coalesce(CAST({_ident(m.name)} AS DOUBLE), 0), 0), {m.clamp}))"
        for m in spec.measures
    )
    group = ", ".join(f"k{i}" for i in range(len(spec.levels))) or "k_"
    query = f"""
        WITH f AS (
            SELECT *, row_number() OVER (
                PARTITION BY person ORDER BY hash(CAST(person AS VARCHAR), {group})
            ) AS rn
            FROM (SELECT *, {keys} FROM rows_in
                  WHERE campaign_id = ? AND CAST(day AS DATE) >= ? AND CAST(day AS DATE) < ?)
        )
        SELECT {group}, list(DISTINCT person) AS people, {clamped}
        FROM f WHERE rn <= ? GROUP BY {group}
    """  # noqa: S608  (identifiers quoted; values bound)
    con = duckdb.connect()
    try:
        con.register("rows_in", table)
        end = request.period_start + timedelta(days=7)
        result = con.execute(
            query, [request.campaign_id, request.period_start, end, spec.max_rows_per_person]
        ).fetchall()
    finally:
        con.close()
    n = len(spec.levels)
    width = max(n, 1)  # a template without levels groups by one constant column
    cells: dict[Key, Cell] = {}
    for record in result:
        key = tuple(str(v) for v in record[:n])
        measures = record[width + 1 :]
        sums = {m.name: float(v or 0.0) for m, v in zip(spec.measures, measures, strict=True)}
        cells[key] = Cell(set(record[width]), sums)
    return cells

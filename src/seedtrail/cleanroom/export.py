"""Write a :class:`Release` as CSV, Parquet or Excel. Only released cells exist in a Release, so
every export goes through the same rules as the report itself.

CSV is UTF-8 with a byte-order mark so spreadsheet programs show Chinese names correctly. Every
format carries the release rule (k, or epsilon/delta/threshold) beside the cells.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from seedtrail.cleanroom.cells import Key
from seedtrail.cleanroom.release import Release, spend_by_cell
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

FORMATS = (".csv", ".parquet", ".xlsx")


def release_table(release: Release, finest_spend: dict[Key, float] | None = None) -> pa.Table:
    spend = spend_by_cell(release, finest_spend) if finest_spend is not None else None
    if release.spec.needs_spend and spend is None:
        raise InvalidInput(Msg("problem.invalid-input.report_spend", {"report": release.spec.name}))
    return release.to_arrow(spend)


def export_release(
    release: Release, path: Path, finest_spend: dict[Key, float] | None = None
) -> Path:
    if not isinstance(release, Release):
        raise InvalidInput(Msg("problem.invalid-input.export_release"))
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.export_format",
                {"path": str(path), "allowed": ", ".join(FORMATS)},
            )
        )
    table = release_table(release, finest_spend)
    rule = json.dumps({"template": release.spec.name, **release.rule}, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        pq.write_table(table.replace_schema_metadata({b"seedtrail.release": rule.encode()}), path)
    elif suffix == ".csv":
        with path.open("wb") as fh:
            fh.write("\ufeff".encode())
            pacsv.write_csv(table, fh)
    else:
        _write_xlsx(table, rule, path)
    return path


def _write_xlsx(table: pa.Table, rule: str, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "report"
    sheet.append(table.column_names)
    for row in table.to_pylist():
        sheet.append(list(row.values()))
    meta = book.create_sheet("release rule")
    for name, value in json.loads(rule).items():
        meta.append([name, json.dumps(value, ensure_ascii=False)])
    book.save(path)

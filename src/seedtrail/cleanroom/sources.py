"""Read a party's input table (Parquet or CSV, UTF-8) into Arrow."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg


def read_table(path: Path, string_columns: list[str] | None = None) -> pa.Table:
    """Read ``path``; CSV columns named in ``string_columns`` are kept as text (phones!)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pq.read_table(path)
        if suffix in (".csv", ".tsv"):
            types = dict.fromkeys(string_columns or [], pa.string())
            return pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ","),
                convert_options=pacsv.ConvertOptions(column_types=types),
            )
    except FileNotFoundError as exc:
        raise InvalidInput(Msg("problem.invalid-input.input_missing", {"path": str(path)})) from exc
    except pa.ArrowInvalid as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.input_unreadable", {"path": str(path), "error": str(exc)})
        ) from exc
    raise InvalidInput(Msg("problem.invalid-input.input_type", {"path": str(path)}))


def text_column(table: pa.Table, name: str, path: Path) -> list[str | None]:
    """Column ``name`` as Python strings (numbers are turned into their decimal text)."""
    if name not in table.column_names:
        raise InvalidInput(
            Msg("problem.invalid-input.input_column", {"path": str(path), "column": repr(name)})
        )
    column = table.column(name)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    values: list[str | None] = column.to_pylist()
    return values

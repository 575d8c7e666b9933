"""Event files for import and replay: JSONL, CSV and Parquet, read as (line, record) pairs.

``line`` is the 1-based line of the file for JSONL and CSV (the CSV header is line 1) and the
1-based row for Parquet. Column names of the attribution CLI are accepted too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

FORMATS = ("jsonl", "csv", "parquet")
ALIASES = {
    "front": {"touch_id": "event_id"},
    "back": {"conversion_id": "event_id", "user_key": "shop_user_key"},
    # the own shop's orders (seedtrail.intake.ownshop) keep user_key: the community's user id
    "orders": {"conversion_id": "event_id"},
}
Record = tuple[int, Any]


def detect(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "csv": "csv"}.get(suffix)
    if fmt is None and suffix in ("parquet", "pq"):
        fmt = "parquet"
    if fmt is None:
        raise InvalidInput(
            Msg("problem.invalid-input.file_type", {"path": str(path), "suffix": repr(path.suffix)})
        )
    return fmt


def size(path: Path, fmt: str) -> int:
    """Records in the file (for the progress bar)."""
    if fmt == "parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(lines - (1 if fmt == "csv" else 0), 0)


def records(path: Path, fmt: str, stream: str) -> Iterator[Record]:
    alias = ALIASES[stream]
    for line, rec in _raw(path, fmt):
        if isinstance(rec, dict):
            for old, new in alias.items():
                if old in rec and new not in rec:
                    rec[new] = rec.pop(old)
        yield line, rec


def parquet_batches(path: Path, stream: str, size: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    """A Parquet file as ``(line of its first row, batch)``, with the column aliases applied."""
    alias = ALIASES[stream]
    first = 1
    for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
        names = batch.schema.names
        renamed = [alias[n] if n in alias and alias[n] not in names else n for n in names]
        if renamed != names:
            batch = batch.rename_columns(renamed)
        yield first, batch
        first += batch.num_rows


def _raw(path: Path, fmt: str) -> Iterator[Record]:
    if fmt == "parquet":
        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for rec in batch.to_pylist():
                n += 1
                yield n, rec
    elif fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), 2):
                yield i, {k: (v if v != "" else None) for k, v in row.items()}
    else:
        with path.open("rb") as fh:
            for i, raw in enumerate(fh, 1):
                if raw.strip():
                    try:
                        yield i, orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        yield i, _Bad(f"not valid JSON: {exc}")


class _Bad(str):
    """A line that could not be parsed; validation rejects it with this message."""


def bad_line_message(rec: Any) -> str | None:
    return str(rec) if isinstance(rec, _Bad) else None


def error_report(
    out: TextIO | None, line: int, event_id: str | None, errors: list[dict[str, Any]]
) -> str:
    text = "; ".join(f"{'.'.join(e['loc']) or 'record'}: {e['msg']}" for e in errors)
    if out is not None:
        out.write(
            orjson.dumps({"line": line, "event_id": event_id, "errors": errors}).decode() + "\n"
        )
    return f"line {line}: {text}"

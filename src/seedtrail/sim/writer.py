"""Streaming Parquet output with fixed options, so the same rows give the same bytes.

Rows are buffered and written in row groups of exactly ``row_group_rows`` (the last one shorter),
whatever the chunking upstream; memory stays bounded by one row group per open file.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.core.errors import SimError
from seedtrail.messages import Msg

WRITER_OPTIONS: dict[str, object] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_size": 1 << 20,
}


class ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema, row_group_rows: int) -> None:
        self.path = path
        self.schema = schema
        self.row_group_rows = max(1, row_group_rows)
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(str(path), schema, **WRITER_OPTIONS)
        except OSError as exc:
            raise SimError(
                Msg("problem.sim-error.unwritable", {"path": str(path), "error": exc.strerror})
            ) from exc

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if not table.schema.equals(self.schema):
            table = table.cast(self.schema)
        self._buffer.append(table)
        self._buffered += table.num_rows
        self.rows += table.num_rows
        while self._buffered >= self.row_group_rows:
            self._flush(self.row_group_rows)

    def _flush(self, count: int) -> None:
        whole = pa.concat_tables(self._buffer)
        head, rest = whole.slice(0, count), whole.slice(count)
        self._writer.write_table(head, row_group_size=count)
        self._buffer = [rest] if rest.num_rows else []
        self._buffered = rest.num_rows

    def close(self) -> None:
        if self._buffered:
            self._flush(self._buffered)
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_table(path: Path, table: pa.Table, row_group_rows: int) -> int:
    with ParquetSink(path, table.schema, row_group_rows) as sink:
        sink.write(table)
    return int(table.num_rows)

"""What the lake holds: per type and day, files, rows and bytes (from Parquet footers only)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.parquet as pq

from seedtrail.lake.layout import Lake, Partition


@dataclass(frozen=True)
class PartitionStats:
    type: str
    day: str
    files: int
    rows: int
    bytes: int


def partition_stats(lake: Lake, part: Partition) -> PartitionStats:
    files = lake.files(part)
    rows = 0
    for f in files:
        with lake.fs.open_input_file(f.path) as fh:
            rows += pq.ParquetFile(fh).metadata.num_rows
    return PartitionStats(
        part.type, part.day.isoformat(), len(files), rows, sum(f.size or 0 for f in files)
    )


def stats(lake: Lake, type_: str | None = None) -> list[PartitionStats]:
    return [partition_stats(lake, p) for p in lake.partitions(type_)]

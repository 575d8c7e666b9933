"""Compaction: merge a partition's files into one (deduplicated by event id).

The merged file is written atomically first, then the old files are deleted. A reader that lists
the partition between those two steps sees some rows twice (never half a file): readers that must
be exact de-duplicate by event id, as :mod:`seedtrail.lake.dedup` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from seedtrail.lake import dedup
from seedtrail.lake.layout import Lake, Partition
from seedtrail.lake.schema import KEYS


@dataclass
class CompactReport:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    duplicates: int = 0


def compact(
    lake: Lake,
    *,
    type_: str | None = None,
    min_files: int = 2,
    progress: Callable[[Partition], None] | None = None,
) -> CompactReport:
    """Merge every partition with at least ``min_files`` files. Run under the lake lock."""
    report = CompactReport()
    for part in lake.partitions(type_):
        files = lake.files(part)
        if len(files) >= min_files:
            table = lake.read(part)
            assert table is not None
            keys = KEYS["back"] if "partner" in table.column_names else KEYS["front"]
            merged = dedup.first_of_each(table, keys).sort_by("ts")
            lake.write(part, merged)
            for f in files:
                lake.delete(f.path)
            report.partitions += 1
            report.files_before += len(files)
            report.files_after += 1
            report.duplicates += table.num_rows - merged.num_rows
        if progress:
            progress(part)
    return report

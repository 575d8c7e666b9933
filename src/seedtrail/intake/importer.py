"""File import and replay into the inbox: same validation and dedup as HTTP intake."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TextIO

import pyarrow as pa

from seedtrail.intake import fastpath, files
from seedtrail.intake.events import Checked, InboxRow, Stream, check
from seedtrail.intake.inbox import Inbox
from seedtrail.intake.ownshop import check_orders

#: what a file holds: a stream of events, or the own shop's orders
#: (:mod:`seedtrail.intake.ownshop`, checked as ``POST /partners/{partner}/orders`` checks them)
Kind = Stream | Literal["orders"]


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)  # the first few, "line N: field: message"


def import_file(
    inbox: Inbox,
    path: Path,
    kind: Kind,
    source: str,
    *,
    fmt: str | None = None,
    chunk: int = 5000,
    error_out: TextIO | None = None,
    keep_errors: int = 20,
    declared_rate: float | None = None,
    progress: Callable[[int], None] | None = None,
    batchwise: bool = True,
) -> ImportReport:
    """Validate and store the events of a file. Community events in Parquet are decided a batch
    at a time (:mod:`seedtrail.intake.fastpath`); whatever that cannot vouch for, and every other
    file, is checked record by record with the same messages (``batchwise=False``: everything,
    the benchmark's baseline). ``kind`` "orders": the own shop's (``source``'s) orders."""
    fmt = fmt or files.detect(path)
    job = _Job(inbox, kind, source, error_out, keep_errors, declared_rate, progress)
    if batchwise and fmt == "parquet" and kind == "front":
        for first, batch in files.parquet_batches(path, kind, chunk):
            split = fastpath.front_batch(batch, source, time.time_ns() // 1000)
            rest = [int(i) for i in split.rest]
            recs = batch.take(pa.array(rest, pa.int64())).to_pylist() if rest else []
            fast = list(zip((int(i) for i in split.index), split.rows, strict=True))
            job.take([first + i for i in rest], recs, batch.num_rows, fast, rest)
        return job.report
    it: Iterator[files.Record] = files.records(path, fmt, kind)
    while batch_ := list(islice(it, chunk)):
        recs = [{"__bad__": msg} if (msg := files.bad_line_message(r)) else r for _, r in batch_]
        job.take([line for line, _ in batch_], recs, len(batch_))
    return job.report


@dataclass
class _Job:
    inbox: Inbox
    kind: Kind
    source: str
    error_out: TextIO | None
    keep_errors: int
    declared_rate: float | None
    progress: Callable[[int], None] | None
    report: ImportReport = field(default_factory=ImportReport)

    def _check(self, recs: list[Any], received_us: int) -> Checked:
        if self.kind == "orders":
            return check_orders(recs, self.source, received_us, keep_received=True)
        return check(
            recs,
            self.kind,
            self.source,
            received_us,
            keep_received=True,
            declared_rate=self.declared_rate,
        )

    def take(
        self,
        lines: list[int],
        recs: list[Any],
        n: int,
        fast: list[tuple[int, InboxRow]] | None = None,
        where: list[int] | None = None,
    ) -> None:
        """Check ``recs`` (from ``lines``) one by one, then store what passed together with the
        ``fast`` rows already decided, in the file's order (``where``: the records' positions
        among the ``n`` of this batch, when some were decided fast)."""
        got = self._check(recs, time.time_ns() // 1000)
        report = self.report
        for rej in got.rejected:
            bad = recs[rej["index"]]
            errors = rej["errors"]
            if isinstance(bad, dict) and "__bad__" in bad:
                errors = [{"loc": [], "msg": bad["__bad__"]}]
            msg = files.error_report(self.error_out, lines[rej["index"]], rej["event_id"], errors)
            if len(report.errors) < self.keep_errors:
                report.errors.append(msg)
        rows = got.rows
        if fast:
            rejected = {r["index"] for r in got.rejected}
            pos = where if where is not None else list(range(len(recs)))
            slow = [p for i, p in enumerate(pos) if i not in rejected]
            merged = heapq.merge(fast, zip(slow, rows, strict=True), key=lambda x: x[0])
            rows = [row for _, row in merged]
        if rows:
            receipt = self.inbox.put_now(rows)
            report.stored += receipt.stored
            report.duplicates += receipt.duplicates
        report.read += n
        report.rejected += len(got.rejected)
        if self.progress:
            self.progress(n)

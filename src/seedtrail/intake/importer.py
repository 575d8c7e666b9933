"""File import and replay into the inbox: same validation and dedup as HTTP intake."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from seedtrail.intake import files
from seedtrail.intake.events import Stream, check
from seedtrail.intake.inbox import Inbox


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
    stream: Stream,
    source: str,
    *,
    fmt: str | None = None,
    chunk: int = 5000,
    error_out: TextIO | None = None,
    keep_errors: int = 20,
    declared_rate: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    fmt = fmt or files.detect(path)
    report = ImportReport()
    it: Iterator[files.Record] = files.records(path, fmt, stream)
    while batch := list(islice(it, chunk)):
        lines = [line for line, _ in batch]
        recs: list[Any] = [
            {"__bad__": msg} if (msg := files.bad_line_message(r)) else r for _, r in batch
        ]
        got = check(
            recs,
            stream,
            source,
            time.time_ns() // 1000,
            keep_received=True,
            declared_rate=declared_rate,
        )
        for rej in got.rejected:
            line = lines[rej["index"]]
            bad = recs[rej["index"]]
            errors = rej["errors"]
            if isinstance(bad, dict) and "__bad__" in bad:
                errors = [{"loc": [], "msg": bad["__bad__"]}]
            msg = files.error_report(error_out, line, rej["event_id"], errors)
            if len(report.errors) < keep_errors:
                report.errors.append(msg)
        if got.rows:
            receipt = inbox.put_now(got.rows)
            report.stored += receipt.stored
            report.duplicates += receipt.duplicates
        report.read += len(batch)
        report.rejected += len(got.rejected)
        if progress:
            progress(len(batch))
    return report

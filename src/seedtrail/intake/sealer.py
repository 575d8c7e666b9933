"""The sealer moves acknowledged events from the inbox into the lake.

It first stages the redirect's newly logged clicks into the inbox (:mod:`seedtrail.intake.clicks`),
so that clicks reach the lake as touches by the same path as every other event.

Each round reads up to ``batch`` inbox rows in arrival order, groups them by type (kind) and day
of the event's own ``ts`` (so late events land in their right day), drops those the partition
already holds, writes one new file per partition atomically, and only then deletes exactly those
inbox rows. A crash between the write and the delete re-seals the rows next time and dedup drops
them again: every acknowledged event ends up in the lake exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from seedtrail.intake import clicks
from seedtrail.lake import dedup, lock
from seedtrail.lake.layout import Lake, Partition
from seedtrail.lake.schema import KEYS, SealRow, to_table
from seedtrail.store.schema import inbox
from seedtrail.store.store import Store

DAY_US = 86_400_000_000


@dataclass
class SealReport:
    read: int = 0
    written: int = 0
    duplicates: int = 0
    clicks_staged: int = 0  # clicks moved from the redirect's click log into the inbox first
    files: list[str] = field(default_factory=list)


def day_of(ts_us: int) -> datetime:
    return datetime.fromtimestamp((ts_us - ts_us % DAY_US) / 1e6, UTC)


def seal(
    store: Store,
    lake: Lake,
    lock_dir: Path,
    *,
    batch: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
) -> SealReport:
    """Seal the inbox; ``progress(n, total)`` hears of each round's ``n`` rows, first with
    ``n = 0``, ``total`` the rows waiting once the new clicks joined them."""
    report = SealReport()
    with lock.exclusive(store.engine, lock_dir, "sealer"):
        report.clicks_staged = clicks.stage(store)
        total = _waiting(store) if progress else 0
        if progress:
            progress(0, total)
        while True:
            with store.read() as conn:
                rows = conn.execute(
                    select(
                        inbox.c.seq,
                        inbox.c.stream,
                        inbox.c.event_id,
                        inbox.c.kind,
                        inbox.c.ts_us,
                        inbox.c.received_us,
                        inbox.c.payload,
                    )
                    .order_by(inbox.c.seq)
                    .limit(batch)
                ).all()
            if not rows:
                return report
            groups: dict[tuple[str, Partition], list[SealRow]] = defaultdict(list)
            for r in rows:
                part = Partition(r.kind, day_of(r.ts_us).date())
                groups[(r.stream, part)].append(
                    (r.event_id, r.kind, r.ts_us, r.received_us, r.payload)
                )
            for (stream, part), group in sorted(groups.items(), key=lambda g: g[0][1].rel):
                _seal_partition(lake, stream, part, group, report)
            _forget(store, [r.seq for r in rows])
            report.read += len(rows)
            if progress:
                progress(len(rows), max(total, report.read))  # rows that came in meanwhile


def _waiting(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)).scalar_one())


def _seal_partition(
    lake: Lake, stream: str, part: Partition, group: Sequence[SealRow], report: SealReport
) -> None:
    keys = KEYS[stream]
    incoming = to_table(stream, group)
    fresh = dedup.new_rows(lake.read(part, list(keys)), incoming, keys)
    report.duplicates += incoming.num_rows - fresh.num_rows
    if fresh.num_rows:
        report.files.append(lake.write(part, fresh.sort_by("ts")))
        report.written += fresh.num_rows


def _forget(store: Store, seqs: list[int], chunk: int = 500) -> None:
    with store.transaction() as conn:
        for i in range(0, len(seqs), chunk):
            conn.execute(delete(inbox).where(inbox.c.seq.in_(seqs[i : i + chunk])))

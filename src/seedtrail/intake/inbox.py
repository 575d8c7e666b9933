"""The inbox: acknowledged events, committed (fsync'd) before the answer, stored once.

HTTP requests go through a :class:`~seedtrail.store.groupcommit.GroupCommit` (one transaction per
group of waiting requests); file imports call :meth:`Inbox.put_now`. Both run :meth:`_apply`:
insert-or-ignore on (stream, source, event_id), and count deliveries and repeats per source and
received hour in ``intake_counts`` (read by backhaul health).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from seedtrail.intake.events import InboxRow
from seedtrail.store import groupcommit
from seedtrail.store.groupcommit import CommitFailed, GroupCommit
from seedtrail.store.schema import inbox, intake_counts, webhook_deliveries

HOUR_US = 3_600_000_000
_COLS = ("stream", "source", "event_id", "kind", "ts_us", "received_us", "payload")


class InboxUnavailable(CommitFailed):
    """The inbox could not commit; the request is not acknowledged (the sender retries)."""


@dataclass(frozen=True)
class Receipt:
    stored: int
    duplicates: int
    repeated_delivery: bool = False  # its webhook id was stored before: nothing stored again


@dataclass(frozen=True)
class Batch:
    """One request's rows, with the shop's delivery id when it sent one (Standard Webhooks)."""

    rows: Sequence[InboxRow]
    delivery: str | None = None


class Inbox:
    def __init__(self, engine: Engine, max_batch: int = 256) -> None:
        self.engine = engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        marks = ", ".join([mark] * len(_COLS))
        self._insert = (
            f"INSERT INTO {inbox.name} ({', '.join(_COLS)}) VALUES ({marks}) "  # noqa: S608 (constant names)
            "ON CONFLICT (stream, source, event_id) DO NOTHING"
        )
        c = intake_counts.name
        self._count = (
            f"INSERT INTO {c} (source, hour_us, received, duplicates) "  # noqa: S608 (constant names)
            f"VALUES ({mark}, {mark}, {mark}, {mark}) ON CONFLICT (source, hour_us) DO UPDATE SET "
            f"received = {c}.received + excluded.received, "
            f"duplicates = {c}.duplicates + excluded.duplicates"
        )
        w = webhook_deliveries.name
        self._delivery = (
            f"INSERT INTO {w} (source, webhook_id, received_us) "  # noqa: S608 (constant names)
            f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (source, webhook_id) DO NOTHING"
        )
        self._group: GroupCommit[Batch, Receipt] = GroupCommit(
            engine, self._apply, max_batch=max_batch, name="inbox", error=InboxUnavailable
        )
        self._started = False

    async def put(self, rows: Sequence[InboxRow], delivery: str | None = None) -> Receipt:
        """Store ``rows``; return once they are durable. Starts the writer on first use. With
        ``delivery`` (a webhook id), a delivery already stored stores nothing."""
        if not self._started:
            self._group.start(asyncio.get_running_loop())
            self._started = True
        return await self._group.submit(Batch(rows, delivery))

    def put_now(self, rows: Sequence[InboxRow], delivery: str | None = None) -> Receipt:
        """Store ``rows`` in one transaction of their own (batch jobs: import, replay)."""
        return groupcommit.run_once(self.engine, self._apply, [Batch(rows, delivery)])[0]

    def stop(self) -> None:
        if self._started:
            self._group.stop()
            self._started = False

    def _apply(self, cur: Any, batches: Sequence[Batch]) -> list[Receipt]:
        receipts: list[Receipt] = []
        received: Counter[tuple[str, int]] = Counter()
        repeats: Counter[tuple[str, int]] = Counter()
        for batch in batches:
            rows = batch.rows
            if not rows:
                receipts.append(Receipt(0, 0))
                continue
            if batch.delivery is not None and not self._new_delivery(cur, rows[0], batch.delivery):
                stored, again = 0, True  # the same delivery again: its events count as repeats
            else:
                stored, again = self._insert_rows(cur, rows), False
            receipts.append(Receipt(stored, len(rows) - stored, again))
            hours = Counter((r[1], r[5] - r[5] % HOUR_US) for r in rows)
            received.update(hours)
            if stored < len(rows):
                repeats.update(_share(hours, len(rows) - stored))
        if received:
            cur.executemany(
                self._count, [(s, h, n, repeats.get((s, h), 0)) for (s, h), n in received.items()]
            )
        return receipts

    def _new_delivery(self, cur: Any, first: InboxRow, delivery: str) -> bool:
        """Record the delivery of ``first``'s source; False when it was recorded before."""
        cur.execute(self._delivery, (first[1], delivery, first[5]))
        return int(cur.rowcount) == 1

    def _insert_rows(self, cur: Any, rows: Sequence[InboxRow]) -> int:
        """Insert, skipping repeats; return how many were new (the sum of affected rows)."""
        cur.executemany(self._insert, [(*r[:6], r[6].decode()) for r in rows])
        return int(cur.rowcount)


def _share(hours: Counter[tuple[str, int]], repeats: int) -> Counter[tuple[str, int]]:
    """A request's repeats charged to its (source, hour)s in proportion to their rows, by
    largest remainder (so they add up to ``repeats``; rounding each would lose them)."""
    total = sum(hours.values())
    exact = {k: n * repeats / total for k, n in hours.items()}
    out = Counter({k: int(v) for k, v in exact.items()})
    left = repeats - sum(out.values())
    for k in sorted(exact, key=lambda k: (exact[k] - int(exact[k]), k), reverse=True)[:left]:
        out[k] += 1
    return out

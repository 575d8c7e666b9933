"""Group commit: many requests, one fsync'd transaction, each request answered after its commit.

Requests hand an item to a writer thread and wait. The thread applies everything waiting in one
transaction, commits (SQLite runs with synchronous=FULL, so the commit is fsync'd), then wakes all
of those requests together with their results; items arriving during a commit go into the next
one. Each response follows its own durable commit; throughput comes from batching, not from
acknowledging early.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")
R = TypeVar("R")

#: ``apply(cursor, items) -> one result per item``, run inside the group's transaction.
Apply = Callable[[Any, Sequence[T]], Sequence[R]]


class CommitFailed(Exception):
    """The items could not be made durable; their requests must not be acknowledged."""


def begin(raw: Any, sqlite: bool) -> Any:
    """Open a write transaction on a raw DB-API connection and return a cursor."""
    cur = raw.cursor()
    if sqlite:
        cur.execute("BEGIN IMMEDIATE")
    return cur


def commit(raw: Any, cur: Any, sqlite: bool) -> None:
    if sqlite:
        cur.execute("COMMIT")
    else:
        raw.commit()
    cur.close()


def run_once(engine: Engine, apply: Apply[T, R], items: Sequence[T]) -> Sequence[R]:
    """Apply ``items`` in one committed transaction, synchronously (for batch jobs)."""
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        cur = begin(raw, sqlite)
        try:
            results = apply(cur, items)
            commit(raw, cur, sqlite)
        except BaseException:
            with contextlib.suppress(Exception):
                raw.rollback()
            raise
        return results
    finally:
        raw.close()


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        engine: Engine,
        apply: Apply[T, R],
        *,
        max_batch: int = 2048,
        name: str = "groupcommit",
        error: type[Exception] = CommitFailed,
    ) -> None:
        self.engine = engine
        self.apply = apply
        self.max_batch = max_batch
        self.name = name
        self.error = error
        self._sqlite = engine.dialect.name == "sqlite"
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        self.written = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._stop = False
        self._thread = threading.Thread(
            target=self._run, name=f"seedtrail-{self.name}", daemon=True
        )
        self._thread.start()

    async def submit(self, item: T) -> R:
        """Return ``item``'s result once it is committed; raise ``self.error`` if it cannot be."""
        assert self._loop is not None, f"{self.name}: start() was not called"
        fut: asyncio.Future[R] = self._loop.create_future()
        with self._lock:
            self._pending.append((item, fut))
            first = len(self._pending) == 1
        if first:  # the writer clears the flag only once it has taken everything waiting
            self._wake.set()
        return await fut

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        raw = self.engine.raw_connection()
        try:
            while True:
                self._wake.wait()
                with self._lock:
                    batch = self._pending[: self.max_batch]
                    del self._pending[: self.max_batch]
                    if not self._pending:
                        self._wake.clear()
                if batch:
                    self._commit(raw, batch)
                elif self._stop:
                    return
        finally:
            raw.close()

    def _commit(self, raw: Any, batch: Sequence[tuple[T, asyncio.Future[R]]]) -> None:
        error: BaseException | None = None
        results: Sequence[Any] = ()
        try:
            cur = begin(raw, self._sqlite)
            results = self.apply(cur, [item for item, _ in batch])
            commit(raw, cur, self._sqlite)
            self.batches += 1
            self.written += len(batch)
        except Exception as exc:  # the database is down or full: fail these requests
            error = exc
            with contextlib.suppress(Exception):  # the original error is what matters
                raw.rollback()
        futures = [f for _, f in batch]
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._settle, futures, results, error)

    def _settle(
        self, futures: list[asyncio.Future[R]], results: Sequence[R], error: BaseException | None
    ) -> None:
        for i, fut in enumerate(futures):
            if fut.done():
                continue
            if error is None:
                fut.set_result(results[i])
            else:
                fut.set_exception(self.error(f"{self.name} unavailable: {type(error).__name__}"))

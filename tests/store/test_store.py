"""The Store's transactions: writers serialise, readers never wait for a writer."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from seedtrail.store import epoch
from seedtrail.store.schema import meta
from seedtrail.store.store import Store


def test_a_read_does_not_wait_for_an_open_write_transaction(store: Store) -> None:
    """A reader (the redirect's policy poll, say) must not queue behind the click log's commit:
    on SQLite only writers take the write lock up front."""
    with store.transaction() as conn:
        before = epoch.bump(conn)
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.transaction() as conn:
            epoch.bump(conn)
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        with store.read() as conn:
            seen = epoch.read(conn)
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert seen == before  # the uncommitted bump is invisible, and the read did not block on it
    assert waited < 5  # the lock would have held it until release (10 s)
    with store.read() as conn:
        assert epoch.read(conn) == before + 1


def test_writes_serialise(store: Store) -> None:
    def bump_many() -> None:
        for _ in range(20):
            with store.transaction() as conn:
                epoch.bump(conn)

    with store.transaction() as conn:
        start = epoch.bump(conn)
    threads = [threading.Thread(target=bump_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == epoch.KEY)).scalar() == (
            start + 80
        )

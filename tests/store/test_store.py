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


def test_a_store_that_must_exist_is_not_created(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``create=False`` refuses a SQLite file that is not there, naming the data directory, and
    leaves the folder uncreated; a file without seedtrail's schema says the same, not "schema
    is at nothing"."""
    import pytest

    from seedtrail import messages
    from seedtrail.core.errors import StoreError
    from seedtrail.core.settings import load_settings
    from seedtrail.store import migrate

    where = tmp_path / "nowhere"
    settings = load_settings(data_dir=where)
    with pytest.raises(StoreError) as missing:
        Store.from_settings(settings, create=False)
    assert not where.exists()
    said = messages.render("en", missing.value.msg)
    assert said.startswith(f"there is no seedtrail data in {where}: run `seedtrail init`"), said
    with Store.from_settings(settings) as created:  # the default (init, demo) creates it
        with pytest.raises(StoreError) as empty:
            created.ensure_current()
        said = messages.render("zh-CN", empty.value.msg)
        assert said.startswith(f"{where} 中没有 seedtrail 数据"), said
        migrate.upgrade(created.engine)
    with Store.from_settings(settings, create=False) as ready:
        ready.ensure_current()

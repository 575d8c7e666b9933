"""The click log on its own, on every store backend: every acknowledged click is in the table,
in groups no larger than ``max_batch``, and a click that cannot be stored is an error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import click, write_all
from seedtrail.links.clicklog import COLUMNS, ClickLog, ClickLogError
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store


def test_every_written_click_is_stored_whole_in_groups_of_at_most_max_batch(store: Store) -> None:
    log = ClickLog(store.engine, max_batch=2)
    items = [click(i) for i in range(7)]
    write_all(log, items)
    assert log.written == 7
    assert log.batches >= 4  # 7 clicks, at most 2 per transaction
    with store.read() as conn:
        rows = conn.execute(select(*(clicks.c[c] for c in COLUMNS)).order_by(clicks.c.ts_us))
        assert [tuple(r) for r in rows] == items


def test_a_click_that_cannot_be_stored_is_an_error_named_for_the_click_log(store: Store) -> None:
    log = ClickLog(store.engine)
    write_all(log, [click(1)])
    with pytest.raises(ClickLogError, match=r"^click log unavailable: \w+"):
        write_all(ClickLog(store.engine), [click(1)])  # the same click id again: refused
    assert log.written == 1

"""Keyset paging of the moderator queue: following the cursors walks the whole queue in its order
(severity, then reach, then id, with many ties) with no case twice and none left out; a cursor
page equals the offset page at the same place; each cursor page is read from index ranges (no
scan of the cases before it); bad cursors and deep offsets are refused with a 422."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, insert

from seedtrail.core.errors import InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.enforcement import queue
from seedtrail.store import audit, paging
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

MOD = Principal(id=5, name="mod", role="moderator")
N = 257


def _seed(store: Store) -> list[dict[str, Any]]:
    """Cases with few severities and reaches (ties everywhere); every 7th a campaign member."""
    now = utcnow()
    rows = [
        {"subject_type": "comment", "subject_id": i, "detector": "diversion",
         "severity": 1 + (i * 5) % 4, "reach": (i * 7) % 3 * 100, "summary": "s", "evidence": {},
         "evidence_hash": f"h{i}", "status": ("open", "actioned")[i % 3 == 0], "opened_by": "t",
         "created_at": now, "updated_at": now, "parent_id": 1 if i % 7 == 0 else None}
        for i in range(1, N + 1)
    ]  # fmt: skip
    with store.transaction() as conn:
        conn.execute(insert(cases_table), rows)
    return rows


def _expected(rows: list[dict[str, Any]], keep: Any) -> list[int]:
    """The queue's order computed here, from the rows inserted (ids are 1..N in order)."""
    picked = [(r, i) for i, r in enumerate(rows, start=1) if r["parent_id"] is None and keep(r)]
    return [i for r, i in sorted(picked, key=lambda p: (-p[0]["severity"], -p[0]["reach"], p[1]))]


def _walk(store: Store, filters: dict[str, Any], min_severity: int | None, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    with store.read() as conn:
        while True:
            page = queue.page(
                conn, MOD, filters, min_severity=min_severity, limit=size, cursor=cursor
            )
            assert page.position == len(seen)
            seen += [r["id"] for r in page.rows]
            if page.next is None:
                return seen
            assert len(page.rows) == size
            cursor = page.next


@pytest.mark.parametrize(
    ("filters", "min_severity", "keep"),
    [
        ({}, None, lambda r: True),
        ({"status": "open"}, None, lambda r: r["status"] == "open"),
        ({}, 3, lambda r: r["severity"] >= 3),
    ],
)
def test_following_cursors_walks_the_whole_queue_in_order(
    store: Store, filters: dict[str, Any], min_severity: int | None, keep: Any
) -> None:
    rows = _seed(store)
    expected = _expected(rows, keep)
    assert len(expected) > 60
    for size in (1, 7, 50, 1000):
        assert _walk(store, filters, min_severity, size) == expected


def test_a_cursor_page_equals_the_offset_page_at_the_same_place(store: Store) -> None:
    _seed(store)
    with store.read() as conn:
        first = queue.page(conn, MOD, {}, limit=40)
        second = queue.page(conn, MOD, {}, limit=40, cursor=first.next)
        by_offset = queue.rows(conn, MOD, {}, limit=40, offset=40)
    assert second.position == 40
    assert [r["id"] for r in second.rows] == [r["id"] for r in by_offset]
    assert "evidence" not in second.rows[0] and second.rows[0]["severity_name"]


def test_a_cursor_page_reads_index_ranges_only(store: Store) -> None:
    """The page after a cursor is the union of index ranges that start at the cursor's key."""
    _seed(store)
    statements: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    with store.transaction() as conn:
        first = queue.page(conn, MOD, {"status": "open"}, limit=10)
        event.listen(conn, "before_cursor_execute", grab)
        queue.page(conn, MOD, {"status": "open"}, limit=10, cursor=first.next)
        event.remove(conn, "before_cursor_execute", grab)
        statement, params = statements[-1]
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            lines = [str(r[-1]) for r in plan]
            reads = [p for p in lines if p.startswith(("SEARCH cases", "SCAN cases"))]
            assert len(reads) == 3, lines
            assert all("USING INDEX ix_cases_queue (status=? AND severity" in p for p in reads)
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
            lines = [str(r[0]) for r in plan]
            conds = [p for p in lines if "Index Cond" in p]
            assert len(conds) == 3, lines
            assert all("severity" in p for p in conds), lines  # each range starts at the key
            assert "Merge Append" in "\n".join(lines)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        "e30",
        "W10",
        "WzEsImNhc2VzIl0",
        "x" * 300,
        "WzEsImNhc2VzIiwiIiwwLDEsMiwiMyJd",
    ],
)
def test_a_bad_cursor_is_refused(store: Store, cursor: str) -> None:
    _seed(store)
    with store.read() as conn, pytest.raises(InvalidInput, match="cursor"):
        queue.page(conn, MOD, {}, limit=5, cursor=cursor or " ")


def test_a_cursor_from_other_filters_or_another_list_is_refused(store: Store) -> None:
    _seed(store)
    with store.read() as conn:
        cursor = queue.page(conn, MOD, {"status": "open"}, limit=5).next
        assert cursor is not None
        with pytest.raises(InvalidInput, match="other filters") as exc:
            queue.page(conn, MOD, {"status": "actioned"}, limit=5, cursor=cursor)
        assert exc.value.msg is not None
        assert "筛选条件不同" in exc.value.msg.render("zh-CN")
        with pytest.raises(InvalidInput, match="other filters"):
            queue.page(conn, MOD, {"status": "open"}, min_severity=2, limit=5, cursor=cursor)
        with pytest.raises(InvalidInput, match="not given out"):
            audit.page(conn, limit=5, cursor=cursor)
        forged = paging.encode(queue.LISTING, {"status": "open"}, 3, [1, 2])  # a key too short
        with pytest.raises(InvalidInput, match="not given out"):
            queue.page(conn, MOD, {"status": "open"}, limit=5, cursor=forged)


def test_offsets_are_bounded_and_do_not_mix_with_cursors(store: Store) -> None:
    _seed(store)
    with store.read() as conn:
        assert queue.rows(conn, MOD, {}, limit=5, offset=paging.MAX_OFFSET) == []
        with pytest.raises(InvalidInput, match="at most 10000"):
            queue.rows(conn, MOD, {}, limit=5, offset=paging.MAX_OFFSET + 1)
        cursor = queue.page(conn, MOD, {}, limit=5).next
        with pytest.raises(InvalidInput, match="not both"):
            queue.page(conn, MOD, {}, limit=5, offset=5, cursor=cursor)

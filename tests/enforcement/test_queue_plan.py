"""The moderator queue reads a page from an index in its order (severity, reach, id) for every
filter the dashboard and the API offer, on SQLite and PostgreSQL: no sort over all matching cases,
which took 0.9 s with a million open cases (bench/crackdown.py measures the pages)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection

from seedtrail.core.principals import Principal
from seedtrail.enforcement import queue
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

MOD = Principal(id=5, name="mod", role="moderator")
PAGES: list[tuple[dict[str, Any], int | None]] = [
    ({}, None),
    ({}, 3),
    ({"status": "open"}, None),
    ({"status": "open"}, 2),
    ({"detector": "diversion"}, None),
    ({"subject_type": "campaign"}, None),
    ({"parent_id": 1}, None),
]


def _seed(store: Store) -> None:
    now = utcnow()
    rows = [
        {"subject_type": "comment", "subject_id": i, "detector": "diversion", "severity": 1 + i % 4,
         "reach": (i * 7919) % 1000, "summary": "s", "evidence": {}, "evidence_hash": "h",
         "status": ("open", "actioned")[i % 2], "opened_by": "t", "created_at": now,
         "updated_at": now, "parent_id": 1 if i % 5 == 0 else None}
        for i in range(1, 200)
    ]  # fmt: skip
    with store.transaction() as conn:
        conn.execute(insert(cases_table), rows)


def _plan(conn: Connection, filters: dict[str, Any], min_severity: int | None) -> str:
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(conn, "before_cursor_execute", grab)
    try:
        rows = queue.rows(conn, MOD, filters, min_severity=min_severity, limit=10)
    finally:
        event.remove(conn, "before_cursor_execute", grab)
    keys = [(-r["severity"], -r["reach"], r["id"]) for r in rows]
    assert rows and keys == sorted(keys)
    statement, params = seen[-1]
    if conn.dialect.name == "sqlite":
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return "\n".join(str(r[-1]) for r in plan)
    conn.exec_driver_sql("SET LOCAL enable_sort = off")  # only an index can avoid the sort now
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
    return "\n".join(str(r[0]) for r in plan)


@pytest.mark.parametrize(("filters", "min_severity"), PAGES)
def test_a_queue_page_is_read_in_order_from_an_index(
    store: Store, filters: dict[str, Any], min_severity: int | None
) -> None:
    _seed(store)
    with store.transaction() as conn:
        if "subject_type" in filters:
            conn.execute(
                insert(cases_table),
                [{"subject_type": "campaign", "subject_id": 1, "detector": "water_army",
                  "severity": 3, "reach": 9, "summary": "c", "evidence": {}, "evidence_hash": "c",
                  "status": "open", "opened_by": "t", "created_at": utcnow(),
                  "updated_at": utcnow()}],
            )  # fmt: skip
        plan = _plan(conn, filters, min_severity)
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    assert "ix_cases_" in plan, plan

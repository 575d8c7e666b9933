"""Opening cases from a findings file: cases/s through ``seedtrail cases import`` (idempotency
check, subject and reach lookups, evidence with highlights, audit entry per case), a re-import of
the same file (everything already open), and as the baseline the plain insert of the same case
rows plus their audit rows in the same run (no lookups, no checks).

    PYTHONPATH=src nice -n 10 /work/venv/bin/python bench/enforcement_intake.py [--quick]

SQLite by default; ``--database-url postgresql+psycopg://...`` to run on PostgreSQL (in a
throwaway schema per run, dropped at the end).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert, text

from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases, intake
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.schema import audit_log
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

QUICK = "--quick" in sys.argv
N = 5_000 if QUICK else 40_000
ACTOR = Principal(id=0, name="bench", role="operator")


@contextmanager
def fresh_store(tmp: Path, name: str) -> Iterator[Store]:
    """A migrated store: a new SQLite file, or a new schema on the given PostgreSQL."""
    if "--database-url" not in sys.argv:
        store = Store(make_engine(f"sqlite:///{tmp / name}"))
        migrate.upgrade(store.engine)
        yield store
        store.dispose()
        return
    url = sys.argv[sys.argv.index("--database-url") + 1]
    schema = f"st_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    store = Store(make_engine(url, connect_args={"options": f"-csearch_path={schema}"}))
    try:
        migrate.upgrade(store.engine)
        yield store
    finally:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def write_inputs(tmp: Path) -> tuple[Path, Path]:
    findings, texts = tmp / "findings.jsonl", tmp / "comments.jsonl"
    with findings.open("w") as f, texts.open("w") as t:
        for i in range(N):
            cid = 10_000_000_000 + i  # lake comments, as in the demo world
            text = f"想要的加我 vx: shop_{i:06d} 或电话 138{i:08d}"
            spans = [
                [text.index("shop_"), text.index("shop_") + 11],
                [text.index("138"), len(text)],
            ]
            f.write(
                json.dumps(
                    {
                        "id": cid,
                        "labels": ["diversion"],
                        "findings": [
                            {"kind": "wechat", "value": f"shop_{i:06d}", "span": spans[0]},
                            {"kind": "phone", "value": f"138{i:08d}", "span": spans[1]},
                        ],
                    }
                )
                + "\n"
            )
            t.write(
                json.dumps(
                    {
                        "id": cid,
                        "text": text,
                        "author": None,
                        "note_id": None,
                        "ts": "2026-11-01T00:00:00Z",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return findings, texts


def baseline(store: Store) -> float:
    now = utcnow()
    rows = [
        {
            "subject_type": "comment",
            "subject_id": 10_000_000_000 + i,
            "detector": "diversion",
            "severity": 3,
            "reach": 0,
            "summary": f"diversion in comment {i}",
            "evidence": {"findings": [{"kind": "wechat", "value": f"shop_{i:06d}"}]},
            "evidence_hash": cases.evidence_hash(i),
            "status": "open",
            "opened_by": ACTOR.label,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(N)
    ]
    t0 = time.perf_counter()
    for start in range(0, N, intake.BATCH):
        with store.transaction() as conn:
            batch = rows[start : start + intake.BATCH]
            conn.execute(insert(cases_table), batch)
            conn.execute(
                insert(audit_log),
                [
                    {
                        "at": now,
                        "actor": ACTOR.label,
                        "action": "case.open",
                        "object_type": "case",
                        "object_id": str(i),
                    }
                    for i in range(len(batch))
                ],
            )
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="st-bench-enf-") as d:
        tmp = Path(d)
        findings, texts = write_inputs(tmp)
        with fresh_store(tmp, "import.db") as store:
            t0 = time.perf_counter()
            report = intake.import_findings(store, ACTOR, findings, texts=texts)
            first = time.perf_counter() - t0
            assert report.opened == N, report
            t0 = time.perf_counter()
            again = intake.import_findings(store, ACTOR, findings, texts=texts)
            second = time.perf_counter() - t0
            assert again.existing == N and again.opened == 0
        with fresh_store(tmp, "baseline.db") as base_store:
            base = baseline(base_store)
    print(f"cases opened:        {N:>8} in {first:6.2f} s = {N / first:8.0f} cases/s")
    print(f"re-import (no-op):   {N:>8} in {second:6.2f} s = {N / second:8.0f} lines/s")
    print(f"baseline raw insert: {N:>8} in {base:6.2f} s = {N / base:8.0f} rows/s")
    print(f"ratio import / baseline: {base / first:.2f}x of the raw insert speed")


if __name__ == "__main__":
    main()

"""Community events decided a batch at a time make exactly the inbox rows, and leave exactly the
rejections with their messages and lines, that the record-by-record check makes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seedtrail.contracts import COMMUNITY_EVENT, TS
from seedtrail.intake import fastpath
from seedtrail.intake.events import check
from seedtrail.intake.importer import import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.store.schema import inbox

T0 = datetime(2025, 3, 1, tzinfo=UTC)
R = 1_750_000_000_000_000


def _good(i: int) -> dict[str, Any]:
    kind = ("impression", "read", "like", "collect", "comment", "share", "follow")[i % 7]
    return {
        "event_id": f"f{i:06d}",
        "user_key": f"用户-{i % 97}" if i % 5 == 0 else f"u{i % 97}",
        "note_id": f"{i % 13:024x}",
        "kind": kind,
        "ts": T0 + timedelta(seconds=i),
        "click_id": None if i % 3 else "",
        "placement": (None, "note_card", "comment", "profile_card")[i % 4],
        "dwell_ms": 1200 + i if kind == "read" else None,
        "campaign_id": i % 4 if i % 2 else None,
        "boosted": bool(i % 2),
    }


BAD = [  # each differs from a good record in one way; some the check accepts after all
    {"event_id": " padded "},  # stripped by the check: accepted, not fast
    {"user_key": "x" * 129},  # too long: rejected
    {"kind": "click"},  # clicks are the redirect's: rejected
    {"kind": "impression", "dwell_ms": 5},  # dwell on a non-read: rejected
    {"boosted": None},  # boosted must be true or false: rejected
    {"event_id": None},  # missing id: rejected
    {"placement": "sidebar"},  # not a placement: rejected
    {"note_id": "\u3000n1"},  # ideographic space, stripped by the check: accepted, not fast
    {"click_id": "k" * 65},  # too long: rejected
    {"kind": "read", "dwell_ms": -1},  # negative: rejected
    {"event_id": "f000003"},  # a repeat of a good record's id: stored once (the first)
]


def _records(n: int = 400) -> list[dict[str, Any]]:
    rows = [_good(i) for i in range(n)]
    for j, change in enumerate(BAD):
        at = 7 + j * 31
        rows[at] = {**rows[at], **change}
    return rows


def _table(rows: list[dict[str, Any]], received: bool = False) -> pa.Table:
    schema = COMMUNITY_EVENT
    if received:
        schema = schema.append(pa.field("received_at", TS))
        rows = [{**r, "received_at": None if i % 2 else r["ts"]} for i, r in enumerate(rows)]
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize("received", [False, True])
def test_a_batch_split_equals_the_record_by_record_check(received: bool) -> None:
    batch = _table(_records(), received).to_batches()[0]
    want = check(batch.to_pylist(), "front", "community", R, keep_received=True)
    split = fastpath.front_batch(batch, "community", R)
    assert len(split.rows) > 300 and len(split.rest) >= len(BAD) - 1
    rest = batch.take(pa.array(split.rest)).to_pylist()
    slow = check(rest, "front", "community", R, keep_received=True)
    rejected = {r["index"] for r in slow.rejected}
    positions = [int(p) for i, p in enumerate(split.rest) if i not in rejected]
    merged = sorted(
        [
            *zip(split.index.tolist(), split.rows, strict=True),
            *zip(positions, slow.rows, strict=True),
        ],
        key=lambda x: x[0],
    )
    assert [row for _, row in merged] == want.rows
    assert [(int(split.rest[r["index"]]), r["errors"]) for r in slow.rejected] == [
        (r["index"], r["errors"]) for r in want.rejected
    ]


def test_columns_the_fast_rules_do_not_know_go_the_slow_way() -> None:
    naive = _table([_good(i) for i in range(20)]).set_column(
        4, "ts", pa.array([T0.replace(tzinfo=None)] * 20, pa.timestamp("us"))
    )
    split = fastpath.front_batch(naive.to_batches()[0], "community", R)
    assert split.rows == [] and len(split.rest) == 20
    extra = _table([_good(i) for i in range(20)]).append_column("colour", pa.array(["red"] * 20))
    assert len(fastpath.front_batch(extra.to_batches()[0], "community", R).rest) == 20


def test_import_file_keeps_every_accepted_event_and_names_each_bad_line(
    world: Any, tmp_path: Path
) -> None:
    rows = _records()
    table = _table(rows).rename_columns(["touch_id", *COMMUNITY_EVENT.names[1:]])  # an alias
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    errors = io.StringIO()
    report = import_file(
        Inbox(world.store.engine), path, "front", "community", chunk=128, error_out=errors
    )
    want = check(rows, "front", "community", R, keep_received=True)
    assert report.read == len(rows)
    assert report.rejected == len(want.rejected) == 8
    assert report.stored == len(want.rows) - 1 and report.duplicates == 1  # the repeated id
    written = [orjson.loads(line) for line in errors.getvalue().splitlines()]
    assert [(w["line"], w["errors"]) for w in written] == [
        (r["index"] + 1, r["errors"]) for r in want.rejected
    ]
    with world.store.read() as conn:
        stored = conn.execute(
            inbox.select()
            .with_only_columns(inbox.c.event_id, inbox.c.kind, inbox.c.ts_us, inbox.c.payload)
            .order_by(inbox.c.seq)
        ).all()
    first: dict[str, tuple[Any, ...]] = {}
    for r in want.rows:
        first.setdefault(r[2], (r[2], r[3], r[4], r[6].decode()))
    assert [tuple(s) for s in stored] == list(first.values())  # in the file's order

"""The click segment and its mover, on every store backend: acknowledged clicks reach the
``clicks`` table, a replay inserts nothing twice, a torn tail is left out, and the segment of a
process killed with SIGKILL is recovered by the next mover with every acknowledged click."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import build_world, click, write_all
from seedtrail.api.app import create_app
from seedtrail.core.settings import load_settings
from seedtrail.links import mover as mover_module
from seedtrail.links import segment
from seedtrail.links.clicklog import COLUMNS, ClickLogError
from seedtrail.links.mover import ClickMover
from seedtrail.links.segment import ClickSegment
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

SRC = Path(segment.__file__).resolve().parents[2]


def click_ids(store: Store) -> list[str]:
    with store.read() as conn:
        return [r[0] for r in conn.execute(select(clicks.c.click_id).order_by(clicks.c.click_id))]


def one_click_record(fields: tuple[object, ...]) -> bytes:
    """A record as written before group records: ``[1, field, ...]``."""
    payload = orjson.dumps([segment.ONE_CLICK, *fields])
    return segment.HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def test_record_round_trip_and_extension() -> None:
    rows = [click(i) for i in range(segment.GROUP_MAX + 2)]  # two records
    data = segment.encode(rows[:1]) + segment.encode(rows[1:])
    records = list(segment.read_records(data))
    assert [len(group) for _, group in records] == [1, segment.GROUP_MAX, 1]
    assert [c for _, group in records for c in group] == rows
    assert records[-1][0] == len(data)
    assert rows[1][-1] == 9 and rows[2][-1] is None
    # A click written before the campaign slot existed reads as having no campaign, in a group
    # record and in the older one-click record.
    older = segment.encode([click(2)[:-1], click(3)[:-1]]) + one_click_record(click(4)[:-1])
    assert [c for _, g in segment.read_records(older) for c in g] == [click(2), click(3), click(4)]
    assert segment.FIELDS[-1] == "campaign_id" and segment.FIELDS == COLUMNS
    # A torn tail (a record cut short or with a bad checksum) ends the readable part: the whole
    # record, so none of its group's clicks (none was acknowledged before the sync).
    assert len(list(segment.read_records(data[:-3]))) == 2
    bad = bytearray(data)
    bad[-1] ^= 0xFF
    assert len(list(segment.read_records(bytes(bad)))) == 2
    future = orjson.dumps([3, ["x"]])
    with pytest.raises(ValueError, match="unknown click record version"):
        list(segment.read_records(segment.HEADER.pack(len(future), zlib.crc32(future)) + future))


def test_acknowledged_clicks_reach_the_store_once(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    seg = ClickSegment(directory, max_bytes=4096)  # small files: several rotations
    items = [click(i) for i in range(300)]
    write_all(seg, items)
    assert seg.written == 300 and 1 <= seg.groups <= 300
    files = sorted(directory.glob("*.seg"))
    assert len(files) >= 2
    kept = {p.name: p.read_bytes() for p in files}
    mover = ClickMover(store.engine, directory)
    report = mover.move_once()
    assert report.moved == 300 and report.files_removed == len(files)
    assert click_ids(store) == sorted(str(c[0]) for c in items)
    assert not list(directory.iterdir())  # the dead writer's lock file is gone too
    for name, data in kept.items():  # a replay after a crash between insert and removal
        (directory / name).write_bytes(data)
    assert ClickMover(store.engine, directory).move_once().moved == 300
    assert len(click_ids(store)) == 300


def test_mover_inserts_many_rows_per_statement_in_order_and_skips_known_ids(
    store: Store, tmp_path: Path
) -> None:
    """Batches of ROWS_PER_STATEMENT rows and a remainder: every field lands in its column, row
    ids follow the segment's order, and ids already in the table (a replay overlapping the rows
    moved before) are skipped in a multi-row statement too."""
    directory = tmp_path / "clicks"
    per = mover_module.ROWS_PER_STATEMENT
    first = [click(i) for i in range(per + 3)]  # one full statement and a remainder
    write_all(ClickSegment(directory), first)
    assert ClickMover(store.engine, directory).move_once().moved == len(first)
    later = [click(i) for i in range(2 * per + 7)]  # overlaps all of ``first``
    write_all(ClickSegment(directory), later)
    ClickMover(store.engine, directory).move_once()
    with store.read() as conn:
        rows = conn.execute(select(*[clicks.c[c] for c in COLUMNS]).order_by(clicks.c.id)).all()
    assert [tuple(r) for r in rows] == later  # no id twice, new ones after the old, in order


def test_live_writer_is_followed_and_torn_orphan_tail_dropped(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    seg = ClickSegment(directory)
    mover = ClickMover(store.engine, directory)

    async def run() -> None:
        seg.start(asyncio.get_running_loop())
        await asyncio.gather(*(seg.write(click(i)) for i in range(10)))
        assert mover.move_once().moved == 10  # read while the writer lives: file kept
        assert len(list(directory.glob("*.seg"))) == 1
        await seg.write(click(10))
        assert mover.move_once().moved == 1  # only what is new since the last round
        seg.stop()

    asyncio.run(run())
    orphan = directory / segment.segment_name("deadbeef", 1)
    orphan.write_bytes(one_click_record(click(11)) + segment.encode([click(12)])[:-5])
    report = mover.move_once()  # the stopped writer's file is sealed now: removed, no new rows
    assert report.moved == 1 and report.files_removed == 2 and not list(directory.iterdir())
    assert click_ids(store) == sorted(str(click(i)[0]) for i in range(12))


CHILD = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from seedtrail.links.segment import ClickSegment
from factories import click

async def main():
    seg = ClickSegment(Path({directory!r}))
    seg.start(asyncio.get_running_loop())
    async def one(i):
        await seg.write(click(i))
        print(click(i)[0], flush=True)  # acknowledged: the 302 would be sent now
    i = 0
    while True:
        await asyncio.gather(*(one(i + k) for k in range(16)))
        i += 16

asyncio.run(main())
"""


def test_kill_9_loses_no_acknowledged_click(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    script = CHILD.format(tests=str(Path(__file__).parents[1]), directory=str(directory))
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    acked = [proc.stdout.readline().decode().strip() for _ in range(400)]
    os.kill(proc.pid, signal.SIGKILL)
    acked += [line.decode().strip() for line in proc.stdout]  # printed before it died
    proc.wait()
    proc.stdout.close()
    ClickMover(store.engine, directory).move_once()
    in_store = set(click_ids(store))
    assert len(acked) >= 400 and not [c for c in acked if c not in in_store]
    assert not list(directory.glob("*.seg"))


def test_redirect_on_segment_logs_through_the_mover(store: Store, tmp_path: Path) -> None:
    world = build_world(store)
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    settings = load_settings(data_dir=tmp_path, click_log="segment", click_move_interval_s=60)
    with TestClient(create_app(settings, store=store)) as tc:
        got = [tc.get(f"/r/{code}", follow_redirects=False) for _ in range(3)]
        assert [r.status_code for r in got] == [302, 302, 302]
        assert click_ids(store) == []  # in the segment, not yet moved
        assert tc.app.api.state.click_mover.move_once().moved == 3  # type: ignore[attr-defined]
        ids = [r.headers["location"].rpartition("st_click=")[2] for r in got]
        assert click_ids(store) == sorted(ids)
    assert not list((tmp_path / "clicks").glob("*.seg"))  # a clean stop moves and removes


def test_lake_seal_copies_a_stopped_servers_segments_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`seedtrail lake seal` on a deployment whose server stopped with clicks still in its
    segment: they reach the store and then the lake, once."""
    from seedtrail.cli.main import main
    from seedtrail.lake.layout import Lake

    base = ["--data-dir", str(tmp_path)]
    main([*base, "init"])
    items = [click(i) for i in range(50)]
    write_all(ClickSegment(tmp_path / "clicks", max_bytes=4096), items)  # then it stopped
    capsys.readouterr()
    main([*base, "lake", "seal"])
    assert "copied 50 clicks from the click segments" in capsys.readouterr().out
    assert not list((tmp_path / "clicks").glob("*.seg"))
    store = Store.from_settings(load_settings(data_dir=tmp_path))
    try:
        assert click_ids(store) == sorted(str(c[0]) for c in items)
    finally:
        store.dispose()
    lake = Lake(load_settings(data_dir=tmp_path).effective_lake_url)

    def in_lake() -> int:
        tables = [lake.read(p) for p in lake.partitions("click")]
        return sum(t.num_rows for t in tables if t is not None)

    assert in_lake() == 50
    main([*base, "lake", "seal"])  # again: nothing left to copy, nothing twice
    assert "copied" not in capsys.readouterr().out
    assert in_lake() == 50


def test_a_dead_syncer_fails_its_waiting_groups_and_is_replaced(tmp_path: Path) -> None:
    seg = ClickSegment(tmp_path / "clicks")

    async def run() -> None:
        seg.start(asyncio.get_running_loop())
        try:
            await seg.write(click(0))
            assert seg._proc is not None
            first = seg._proc.pid
            os.kill(first, signal.SIGSTOP)  # the disk "hangs": the next group waits
            waiting = seg.write(click(1))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            os.kill(first, signal.SIGKILL)  # then the syncer dies: never acknowledged
            with pytest.raises(ClickLogError):
                await asyncio.wait_for(waiting, 10)
            await seg.write(click(2))  # a new syncer serves the next group
            assert seg._proc is not None and seg._proc.pid != first
        finally:
            seg.stop()

    asyncio.run(run())
    files = (tmp_path / "clicks").glob("*.seg")
    ids = [c[0] for p in files for _, g in segment.read_records(p.read_bytes()) for c in g]
    assert ids == [click(i)[0] for i in range(3)]  # the failed one is written, just never acked


def test_a_cancelled_request_does_not_cancel_its_groups_wait(tmp_path: Path) -> None:
    seg = ClickSegment(tmp_path / "clicks")

    async def run() -> None:
        seg.start(asyncio.get_running_loop())
        try:

            async def request(i: int) -> None:
                await seg.write(click(i))

            tasks = [asyncio.create_task(request(i)) for i in range(3)]
            await asyncio.sleep(0)
            tasks[0].cancel()  # its client went away
            done = await asyncio.gather(*tasks, return_exceptions=True)
            assert isinstance(done[0], asyncio.CancelledError) and done[1:] == [None, None]
        finally:
            seg.stop()

    asyncio.run(run())
    assert seg.written == 3

"""Community-event import (``seedtrail import --kind front`` on Parquet, the demo's
"community import" step): CPU seconds and events/s of the batch-at-a-time validation against the
record-by-record check (the baseline, measured in the same run on the same file), each into a
fresh SQLite store; and the validation alone (no store writes).

    PYTHONPATH=src nice -n 10 /work/main/.venv/bin/python bench/community_import.py \
        [--world DIR] [--scale tiny]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from seedtrail.attribution.dialect import literal
from seedtrail.contracts import COMMUNITY_KINDS
from seedtrail.core.settings import load_settings
from seedtrail.intake import fastpath, files
from seedtrail.intake.events import COMMUNITY, check
from seedtrail.intake.importer import import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.store import migrate
from seedtrail.store.store import Store


def _events(world: Path, out: Path) -> Path:
    kinds = ", ".join(literal(k) for k in COMMUNITY_KINDS)
    front = literal(str(world / "events" / "front.parquet"))
    path = out / "community-events.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_parquet({front}) WHERE kind IN ({kinds})) "
        f"TO {literal(str(path))} (FORMAT PARQUET)"
    )
    return path


def _import(path: Path, tmp: Path, batchwise: bool) -> tuple[float, int]:
    settings = load_settings(data_dir=tmp, database_url=f"sqlite:///{tmp}/s.db")
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    t = time.process_time()
    report = import_file(Inbox(store.engine), path, "front", COMMUNITY, batchwise=batchwise)
    cpu = time.process_time() - t
    store.dispose()
    assert report.rejected == 0
    return cpu, report.stored


def _validate(path: Path) -> tuple[float, float]:
    t = time.process_time()
    for _, batch in files.parquet_batches(path, "front", 5000):
        check(batch.to_pylist(), "front", COMMUNITY, 0, keep_received=True)
    slow = time.process_time() - t
    t = time.process_time()
    for _, batch in files.parquet_batches(path, "front", 5000):
        split = fastpath.front_batch(batch, COMMUNITY, 0)
        if len(split.rest):
            check(batch.take(pa.array(split.rest)).to_pylist(), "front", COMMUNITY, 0)
    return slow, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, help="a world written by `seedtrail sim`")
    ap.add_argument("--scale", default="tiny", help="scale of the world to generate otherwise")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as d:
        tmp = Path(d)
        world = args.world
        if world is None:
            from seedtrail.sim.runner import generate
            from seedtrail.sim.spec import load_spec

            world = tmp / "world"
            generate(load_spec(args.scale), 7, world)
        path = _events(world, tmp)
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        base, n = _import(path, tmp / "a", batchwise=False)
        fast, m = _import(path, tmp / "b", batchwise=True)
        assert n == m
        v_slow, v_fast = _validate(path)
    print(f"community events: {n:,}")
    print(f"import, record by record (baseline): {base:.2f} s CPU, {n / base:,.0f} events/s")
    print(f"import, batch at a time:             {fast:.2f} s CPU, {n / fast:,.0f} events/s")
    print(f"import speed-up: {base / fast:.2f}x")
    print(f"validation alone: {v_slow:.2f} s -> {v_fast:.2f} s CPU ({v_slow / v_fast:.1f}x)")


if __name__ == "__main__":
    main()

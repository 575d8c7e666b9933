"""Generate one world and report events/s and peak RSS.

    PYTHONPATH=src /work/venv/bin/python bench/sim_scale.py [scale] [--days D] [--out DIR]

Baseline (same run): writing pre-built front-link rows of the same schema with the same writer,
i.e. the cost of the Parquet output alone; the ratio shows what the simulation itself adds.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import load_spec
from seedtrail.sim.writer import ParquetSink


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_rows_per_s(out: Path, rows: int) -> float:
    rng = np.random.default_rng(0)
    n = 1_000_000
    table = pa.table(
        [
            pa.array([f"f{i}" for i in range(n)]),
            pa.array([f"cv_{int(x)}" for x in rng.integers(0, 1 << 40, n)]),
            pa.array(rng.integers(1, 100_000, n)),
            pa.array(["impression"] * n),
            pa.array(rng.integers(0, 1 << 50, n), schemas.TS),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.int32()),
            pa.nulls(n, pa.int64()),
            pa.array(np.zeros(n, bool)),
        ],
        schema=schemas.FRONT_EVENTS,
    )
    began = time.perf_counter()
    with ParquetSink(out / "baseline.parquet", schemas.FRONT_EVENTS, 1 << 20) as sink:
        for _ in range(max(1, rows // n)):
            sink.write(table)
    return max(1, rows // n) * n / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", nargs="?", default="small")
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    spec = load_spec(args.scale).with_days(args.days)
    tmp = Path(tempfile.mkdtemp(prefix="simbench-"))
    out = args.out or tmp / "world"
    try:
        last = [0.0]

        def tick(done: int, total: int, rows: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 30 or done == total:
                last[0] = now
                print(
                    f"  chunk {done}/{total}, {rows:,} rows, rss {peak_rss_mb():,.0f} MB",
                    flush=True,
                )

        summary = generate(spec, args.seed, out, tick)
        front = summary.rows["events/front"]
        print(f"scale {spec.name}: {spec.days} days, seed {args.seed}")
        print(f"front-link events   {front:,}")
        print(f"comments            {summary.rows['events/comments']:,}")
        conv = sum(v for k, v in summary.rows.items() if k.startswith("conversions/"))
        print(f"conversions (deliv) {conv:,}")
        print(f"all events          {summary.events:,} in {summary.seconds:.1f} s")
        print(f"events/s            {summary.events_per_second:,.0f}")
        print(f"peak RSS            {peak_rss_mb():,.0f} MB")
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"on disk             {size / 1e6:,.1f} MB")
        base = baseline_rows_per_s(tmp, min(front, 20_000_000))
        print(f"baseline: plain Parquet write of front rows {base:,.0f} rows/s")
        print(f"ratio sim events/s : plain write rows/s = {summary.events_per_second / base:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

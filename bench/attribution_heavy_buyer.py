"""Last touch on DuckDB when one person both touches and converts a lot (a bot that buys).

The single-touch models reduce the (person, time bucket) hash join per conversion; its work is
a person's conversions times their touches, so people with more than ``heavy_anchors``
conversions go through ASOF joins instead. This times both routes on the bench's data at a small
scale plus one buying bot (``--bot-touches`` touches, ``--bot-conversions`` conversions over the
same 60 days), each in its own process, and checks they credit the same touches:

    nice -n 10 env PYTHONPATH=src python bench/attribution_heavy_buyer.py [--scale 0.01]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from attribution import DAY, DAYS, KINDS, T0_US, _keys, generate, run_child  # bench/ is on the path
from seedtrail.attribution.engines.duckdb_single import HEAVY_ANCHORS


def add_bot(directory: Path, touches: int, conversions: int, seed: int = 7) -> None:
    """Append one person ``cv_bot`` with that many touches and conversions."""
    if (directory / "bot-done").exists():
        return
    rng = np.random.default_rng(seed)
    ids = np.arange(touches)
    pq.write_table(
        pa.table(
            {
                "touch_id": _keys("tb", ids),
                "user_key": pa.array(["cv_bot"] * touches),
                "note_id": rng.integers(1, 200_000, touches),
                "kind": pa.array(KINDS[rng.integers(0, len(KINDS), touches)]),
                "ts": pa.array(T0_US + rng.integers(0, DAYS * DAY, touches)).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "click_id": pa.nulls(touches, pa.string()),
            }
        ),
        directory / "touches" / "part-bot.parquet",
    )
    conv = pq.read_table(directory / "conversions.parquet")
    n = conversions
    bot = pa.table(
        {
            "conversion_id": _keys("cb", np.arange(n)),
            "user_key": pa.array(["cv_bot"] * n),
            "kind": pa.array(["purchase"] * n),
            "ts": pa.array(T0_US + rng.integers(3 * DAY, DAYS * DAY, n)).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "value": np.full(n, 10.0),
            "click_id": pa.nulls(n, pa.string()),
            "order_id": _keys("ob", np.arange(n)),
            "refund_of": pa.nulls(n, pa.string()),
            "sample_rate": np.ones(n),
        }
    )
    both = pa.concat_tables([conv, bot.cast(conv.schema)])
    pq.write_table(both, directory / "conversions.parquet")
    (directory / "bot-done").touch()


def child(data: Path, heavy_anchors: int) -> str:
    from seedtrail.attribution.engines.duckdb import DuckDBEngine
    from seedtrail.attribution.inputs import Inputs
    from seedtrail.attribution.spec import AttributionSpec

    out = data / "out" / f"heavy-{heavy_anchors}.parquet"
    with DuckDBEngine(memory_limit="6GB", threads=2, heavy_anchors=heavy_anchors) as eng:
        eng.run(AttributionSpec(), Inputs(data / "touches", data / "conversions.parquet"))  # type: ignore[arg-type]
        eng.write_outputs(out)
    return f"rows={pq.read_metadata(out).num_rows}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--bot-touches", type=int, default=200_000)
    ap.add_argument("--bot-conversions", type=int, default=2_000)
    ap.add_argument("--data", type=Path, default=Path("/tmp/seedtrail-bench"))
    ap.add_argument("--child", type=int)
    args = ap.parse_args()
    if args.child is not None:  # run_child passes the world's own directory
        print(child(args.data, args.child), flush=True)
        return
    data = args.data / f"s{args.scale:g}-bot{args.bot_touches}x{args.bot_conversions}"
    t = time.perf_counter()
    generate(data, args.scale, skew=True)
    add_bot(data, args.bot_touches, args.bot_conversions)
    (data / "out").mkdir(exist_ok=True)
    print(f"data {data}: ready in {time.perf_counter() - t:.1f}s")
    routes = (("ASOF for heavy buyers (default)", HEAVY_ANCHORS), ("hash join for all", 10**9))
    for label, heavy in routes:
        s, gb, note = run_child(str(heavy), data, script=__file__)
        print(f"{label:36s} {s:7.1f} s {gb:5.2f} GB  {note}", flush=True)
    a, b = (pq.read_table(data / "out" / f"heavy-{h}.parquet") for h in (HEAVY_ANCHORS, 10**9))
    print("same credits:", a.equals(b))


if __name__ == "__main__":
    main()

"""Attribution at scale: seedtrail on DuckDB against what a data engineer would write by hand.

At ``--scale 1``: 100M touches, 5M conversions, 10M people, with skew (a few heavy users, bots
with very many touches). In one run, each in its own process (so peak RSS is its own):

* ``scan``: a plain DuckDB scan of the same files (the floor);
* ``hand_asof``: a hand-written DuckDB ``ASOF JOIN`` (last touch within 15 days);
* ``pandas``: ``pandas.merge_asof`` (the same);
* ``seedtrail_last_touch`` and ``seedtrail_position_based``: the DuckDB engine, the full job
  (per-kind windows, click-id matching, refunds, sampled-backhaul summary, output files);
* then the Spark engine on smaller sizes, with and without skew (``--spark``).

Prints seconds and peak RSS of each and the ratios to the hand-written ASOF query and the scan.

    flock /work/heavy.lock nice -n 10 env PYTHONPATH=src /work/venv/bin/python \\
        bench/attribution.py [--scale 1] [--spark] [--skip pandas] [--data /tmp/st-bench]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KINDS = np.array(["impression", "read", "like", "collect", "comment", "share", "follow", "click"])
KIND_P = np.array([0.40, 0.25, 0.08, 0.05, 0.04, 0.03, 0.02, 0.13])
T0_US = 1_772_323_200_000_000  # 2026-03-01 UTC
DAY = 86_400_000_000
DAYS = 60
CHUNK = 5_000_000
WINDOW_US = 15 * DAY


# -- data ----------------------------------------------------------------------------------
def _users(rng: np.random.Generator, n: int, people: int, skew: bool) -> np.ndarray:
    """90% uniform, 9% heavy-tailed (u^4: the top user gets ~0.16% of all touches), 1% from
    100 bots; without skew, all uniform."""
    users = rng.integers(0, people, n)
    if skew:
        roll = rng.random(n)
        heavy = roll < 0.09
        users[heavy] = (people * rng.random(heavy.sum()) ** 4).astype(np.int64)
        bots = roll > 0.99
        users[bots] = people - 1 - rng.integers(0, 100, bots.sum())
    return users


def _keys(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(ids).cast(pa.string()), "")


def generate(directory: Path, scale: float, skew: bool, seed: int = 5) -> tuple[Path, Path]:
    touches_dir, conv_path = directory / "touches", directory / "conversions.parquet"
    if (directory / "done").exists():
        return touches_dir, conv_path
    touches_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_touch, n_conv, people = int(100e6 * scale), int(5e6 * scale), max(1000, int(10e6 * scale))
    start = 0
    while start < n_touch:
        n = min(CHUNK, n_touch - start)
        ids = np.arange(start, start + n)
        kinds = rng.choice(len(KINDS), n, p=KIND_P)
        is_click = kinds == 7
        table = pa.table(
            {
                "touch_id": _keys("t", ids),
                "user_key": _keys("cv_", _users(rng, n, people, skew)),
                "note_id": rng.integers(1, 200_000, n),
                "kind": pa.array(KINDS[kinds]),
                "ts": pa.array(T0_US + rng.integers(0, DAYS * DAY, n)).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "click_id": pc.if_else(pa.array(is_click), _keys("k", ids), None),
            }
        )
        pq.write_table(table, touches_dir / f"part-{start // CHUNK:04d}.parquet")
        start += n
    # conversions spread over people without the touches' skew: bots browse, they do not buy
    users = rng.integers(0, people, n_conv)
    kinds = rng.choice(
        ["search", "store_visit", "add_to_cart", "purchase", "refund"],
        n_conv,
        p=[0.3, 0.25, 0.15, 0.25, 0.05],
    )
    value = np.where(kinds == "purchase", rng.integers(10, 1000, n_conv).astype(float), 0.0)
    value = np.where(kinds == "refund", -50.0, value)
    # a fifth of store visits and carts name a click (ids of clicks that exist or not)
    named = (np.isin(kinds, ["store_visit", "add_to_cart"])) & (rng.random(n_conv) < 0.2)
    click_ref = pc.if_else(pa.array(named), _keys("k", rng.integers(0, n_touch, n_conv)), None)
    conv_ids = np.arange(n_conv)
    table = pa.table(
        {
            "conversion_id": _keys("c", conv_ids),
            "user_key": _keys("cv_", users),
            "kind": pa.array(kinds),
            "ts": pa.array(T0_US + rng.integers(3 * DAY, DAYS * DAY, n_conv)).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "value": value,
            "click_id": click_ref,
            "order_id": pc.if_else(pa.array(kinds == "purchase"), _keys("o", conv_ids), None),
            "refund_of": pc.if_else(
                pa.array(kinds == "refund"), _keys("c", np.maximum(conv_ids - 7, 0)), None
            ),
            "sample_rate": np.where(users % 2 == 0, 0.5, 1.0),
        }
    )
    pq.write_table(table, conv_path)
    (directory / "done").touch()
    return touches_dir, conv_path


# -- methods (each run in its own process) -------------------------------------------------
def _duck(threads: int = 2):  # type: ignore[no-untyped-def]
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}; SET preserve_insertion_order = false")
    con.execute("SET temp_directory = '/tmp/seedtrail-bench-spill'")
    con.execute(f"SET memory_limit = '{os.environ.get('BENCH_MEMORY_LIMIT', '6GB')}'")
    return con


def method_scan(touches: Path, conv: Path, out: Path) -> str:
    con = _duck()
    # read every column a join needs, once (the floor any attribution has to pay)
    row = con.execute(
        "SELECT count(*), max(user_key), max(touch_id), max(epoch_us(ts)), max(note_id) "
        f"FROM read_parquet('{touches}/*.parquet')"
    ).fetchone()
    conv_n = con.execute(
        f"SELECT count(*), max(user_key), max(epoch_us(ts)) FROM read_parquet('{conv}')"
    ).fetchone()
    return f"touches={row[0]} conversions={conv_n[0]}"  # type: ignore[index]


def method_hand_asof(touches: Path, conv: Path, out: Path) -> str:
    con = _duck()
    con.execute(
        f"COPY (SELECT c.conversion_id, t.touch_id, t.note_id FROM read_parquet('{conv}') c "
        f"ASOF JOIN read_parquet('{touches}/*.parquet') t "
        "ON c.user_key = t.user_key AND c.ts >= t.ts "
        f"WHERE t.ts >= c.ts - INTERVAL 15 DAY) TO '{out}/hand.parquet'"
    )
    n = con.execute(f"SELECT count(*) FROM '{out}/hand.parquet'").fetchone()
    return f"credited={n[0]}"  # type: ignore[index]


def method_pandas(touches: Path, conv: Path, out: Path) -> str:
    import pandas as pd

    t = pq.read_table(touches, columns=["touch_id", "user_key", "note_id", "ts"]).to_pandas()
    c = pq.read_table(conv, columns=["conversion_id", "user_key", "ts"]).to_pandas()
    t = t.sort_values("ts")
    c = c.sort_values("ts")
    m = pd.merge_asof(
        c, t, on="ts", by="user_key", direction="backward", tolerance=pd.Timedelta(days=15)
    )
    m = m.dropna(subset=["touch_id"])
    m[["conversion_id", "touch_id", "note_id"]].to_parquet(out / "pandas.parquet")
    return f"credited={len(m)}"


def _seedtrail(model: str, touches: Path, conv: Path, out: Path, engine: str = "duckdb") -> str:
    from seedtrail.attribution.engines.duckdb import DuckDBEngine
    from seedtrail.attribution.engines.spark import SparkEngine, local_session
    from seedtrail.attribution.inputs import Inputs
    from seedtrail.attribution.spec import AttributionSpec, ModelSpec
    from seedtrail.messages import Msg

    steps: list[tuple[str, float]] = []
    last: list[tuple[str, float]] = [("start", time.perf_counter())]

    def progress(msg: Msg | str) -> None:  # time of each phase, under the phase's own name
        now = time.perf_counter()
        steps.append((last[0][0], now - last[0][1]))
        last[0] = (msg.english if isinstance(msg, Msg) else msg, now)

    eng = (
        DuckDBEngine(
            memory_limit=os.environ.get("BENCH_MEMORY_LIMIT", "6GB"),
            threads=2,
            temp_directory="/tmp/seedtrail-bench-spill",
        )
        if engine == "duckdb"
        else SparkEngine(local_session(memory="4g", shuffle_partitions=16))
    )
    with eng:
        eng.run(
            AttributionSpec(model=ModelSpec(name=model)),
            Inputs(touches, conv),  # type: ignore[arg-type]
            progress=progress,
        )
        progress("writing files")
        credits, _summary = eng.write_outputs(out / f"{engine}-{model}.parquet")
        progress("done")
    n = pq.read_metadata(credits).num_rows
    timing = " ".join(f"[{m.split(' (')[0]}: {s:.1f}s]" for m, s in steps[1:])
    return f"rows={n} {timing}"


METHODS = {
    "scan": method_scan,
    "hand_asof": method_hand_asof,
    "seedtrail_last_touch": lambda t, c, o: _seedtrail("last_touch", t, c, o),
    "seedtrail_position_based": lambda t, c, o: _seedtrail("position_based", t, c, o),
    "pandas": method_pandas,
    "spark_last_touch": lambda t, c, o: _seedtrail("last_touch", t, c, o, "spark"),
    "spark_position_based": lambda t, c, o: _seedtrail("position_based", t, c, o, "spark"),
}


def run_child(method: str, data: Path, script: str = __file__) -> tuple[float, float, str]:
    """Run one method (``script --child method``) in a fresh process: (seconds, peak RSS in GB,
    its note)."""
    out = data / "out"
    out.mkdir(exist_ok=True)
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as errfile:  # a pipe could fill up and block
        proc = subprocess.Popen(
            [sys.executable, script, "--child", method, "--data", str(data)],
            stdout=subprocess.PIPE,
            stderr=errfile,
            env=env,
            text=True,
        )
        assert proc.stdout is not None
        note = proc.stdout.read().strip().splitlines()
        _, status, usage = os.wait4(proc.pid, 0)
        errfile.seek(0)
        errors = errfile.read().strip().splitlines()
    seconds = time.perf_counter() - start
    if status != 0:
        return seconds, usage.ru_maxrss / 1e6, f"FAILED: {errors[-1] if errors else status}"
    return seconds, usage.ru_maxrss / 1e6, note[-1] if note else ""


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=Path("/tmp/seedtrail-bench"))
    ap.add_argument("--no-skew", action="store_true")
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--spark", action="store_true", help="also the Spark growth runs")
    ap.add_argument("--spark-scales", default="0.01,0.02,0.04")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        touches, conv = args.data / "touches", args.data / "conversions.parquet"
        print(METHODS[args.child](touches, conv, args.data / "out"), flush=True)
        return

    skew = not args.no_skew
    data = args.data / f"s{args.scale:g}{'-skew' if skew else ''}"
    t = time.perf_counter()
    generate(data, args.scale, skew)
    print(
        f"data {data}: generated/reused in {time.perf_counter() - t:.1f}s "
        f"({int(100e6 * args.scale):,} touches, {int(5e6 * args.scale):,} conversions, skew={skew})"
    )
    results: dict[str, tuple[float, float, str]] = {}
    names = args.only or [m for m in METHODS if not m.startswith("spark")]
    for name in names:
        if name in args.skip:
            continue
        results[name] = run_child(name, data)
        s, gb, note = results[name]
        print(f"{name:26s} {s:8.1f} s {gb:6.2f} GB  {note}", flush=True)
    results = {k: v for k, v in results.items() if not v[2].startswith("FAILED")}
    base = results.get("hand_asof")
    floor = results.get("scan")
    if base:
        for name, (s, _gb, _n) in results.items():
            extra = f"  x{s / floor[0]:.1f} of scan" if floor else ""
            print(f"ratio {name:26s} x{s / base[0]:.2f} of hand ASOF{extra}")
        if "pandas" in results and "seedtrail_last_touch" in results:
            ratio = results["pandas"][0] / results["seedtrail_last_touch"][0]
            print(f"pandas / seedtrail last touch: x{ratio:.2f}")
        if "seedtrail_position_based" in results and "seedtrail_last_touch" in results:
            ratio = results["seedtrail_position_based"][0] / results["seedtrail_last_touch"][0]
            print(f"position-based / last touch: x{ratio:.2f}")
    if args.spark:
        for skewed in (False, True):
            for sc in (float(x) for x in args.spark_scales.split(",")):
                d = args.data / f"s{sc:g}{'-skew' if skewed else ''}"
                generate(d, sc, skewed)
                for name in ("spark_last_touch", "spark_position_based"):
                    s, gb, note = run_child(name, d)
                    print(
                        f"{name:22s} scale={sc:<5g} touches={int(100e6 * sc):>11,} "
                        f"skew={skewed!s:5} {s:7.1f} s {gb:5.2f} GB  {note}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()

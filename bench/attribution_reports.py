"""Attribution reports on a simulated world: the report build, a daily incremental run, and the
report API, each against a baseline measured in the same run.

* ``engine``: the DuckDB engine alone, crediting the same models on the same (de-duplicated)
  inputs — the floor a report cannot go below; ``report``: the whole build (inputs, every model,
  roll-up, funnels, lift, scores, files). Ratio report / engine.
* ``full`` vs ``daily``: a full run of one model up to day D+1 against the incremental run from
  day D to D+1 (and a check that their partitions are identical).
* ``api``: p50/p90 of the report endpoints through the app, with its results cache on (as
  served; after the first call the answers come from memory) and off (every call queries the
  Parquet files, as a cold cache or a new run does), against ``duckdb_read``: a DuckDB database
  kept open (a cursor per call, as the API does) reading the same campaign row from the Parquet
  file on every call. ``duckdb_read_fresh`` (a new database per call) is shown for reference
  only. The variants alternate within each of ``--rounds`` rounds, so a load spike on the
  shared machine hits them all alike; ratios are of p50s over all rounds, with the range of
  the per-round ratios.

    env PYTHONPATH=src /work/venv/bin/python bench/attribution_reports.py \\
        [--scale demo] [--models last_touch,position_based] [--data /tmp/st-report-bench]
        [--requests 30] [--rounds 5]

The demo world takes ~1 GB and under a minute of CPU; bigger scales go under
``flock /work/heavy.lock nice -n 10``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[int(len(s) * 0.9)] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="demo")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--models", default="last_touch,position_based,markov")
    ap.add_argument("--data", type=Path, default=Path("/tmp/st-report-bench"))
    ap.add_argument("--requests", type=int, default=30, help="calls per variant per round")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of all variants")
    args = ap.parse_args()

    from seedtrail.attribution import report, runs, world
    from seedtrail.attribution.incremental import run_daily
    from seedtrail.sim.runner import generate
    from seedtrail.sim.spec import load_spec

    shutil.rmtree(args.data, ignore_errors=True)
    w = args.data / "world"
    spec = load_spec(args.scale)
    secs, _ = timed(lambda: generate(spec, args.seed, w))
    print(f"world {spec.name}: generated in {secs:.1f} s")
    models = tuple(m.strip() for m in args.models.split(","))
    rspec = report.ReportSpec(models=models, primary=models[0])

    # -- report build against the engine alone ---------------------------------------------
    def engine_only() -> None:
        con = duckdb.connect()
        wd = world.WorldDir(w)
        world.register(con, wd)
        with tempfile.TemporaryDirectory() as tmp:
            inputs = world.engine_inputs(con, Path(tmp))
            from seedtrail.attribution.engines.duckdb import DuckDBEngine

            for m in models:
                with DuckDBEngine() as engine:
                    engine.run(rspec.attribution(m), inputs)
                    engine.credits()
        con.close()

    t_engine, _ = timed(engine_only)
    t_report, built = timed(lambda: report.build(w, rspec))
    assert isinstance(built, report.Report)
    out = built.write(args.data / "report")
    print(f"engine only ({len(models)} models)   {t_engine:7.1f} s")
    print(
        f"report build                 {t_report:7.1f} s   "
        f"ratio to engine {t_report / t_engine:.2f}"
    )

    # -- daily incremental against full ------------------------------------------------------
    first = duckdb.execute(f"SELECT epoch_us(MIN(ts)) FROM '{w}/events/front.parquet'").fetchone()
    assert first is not None
    day0 = datetime.fromtimestamp(first[0] / 1e6, UTC).replace(hour=0, minute=0, second=0)
    d = day0 + timedelta(days=max(2, spec.days - 6))
    m = "position_based" if "position_based" in models else models[0]
    if m in ("markov", "shapley"):
        m = "last_touch"
    src = world.WorldSource(world.WorldDir(w))
    run_daily(src, args.data / "inc", m, d)
    t_daily, daily = timed(lambda: run_daily(src, args.data / "inc", m, d + timedelta(days=1)))
    t_full, _ = timed(lambda: run_daily(src, args.data / "full", m, d + timedelta(days=1)))
    same = duckdb.execute(
        f"SELECT (SELECT COUNT(*) FROM (SELECT * FROM '{args.data}/inc/credits/*/*.parquet' "
        f"EXCEPT ALL SELECT * FROM '{args.data}/full/credits/*/*.parquet')) + "
        f"(SELECT COUNT(*) FROM (SELECT * FROM '{args.data}/full/credits/*/*.parquet' "
        f"EXCEPT ALL SELECT * FROM '{args.data}/inc/credits/*/*.parquet'))"
    ).fetchone()
    print(
        f"daily run ({m})      {t_daily:7.1f} s   recomputed {len(daily.days_recomputed)}"  # type: ignore[attr-defined]
        f" of {daily.days_total} days"  # type: ignore[attr-defined]
    )
    print(
        f"full run ({m})       {t_full:7.1f} s   ratio daily/full {t_daily / t_full:.2f}; "
        f"identical: {same == (0,)}"
    )

    # -- API against a bare DuckDB read ------------------------------------------------------
    from fastapi.testclient import TestClient

    from seedtrail.api.app import create_app
    from seedtrail.core import principals
    from seedtrail.core.settings import load_settings
    from seedtrail.sim.load import load_world
    from seedtrail.store import migrate
    from seedtrail.store.db import make_engine
    from seedtrail.store.store import Store

    data_dir = args.data / "dd"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir)
    store = Store(make_engine(f"sqlite:///{data_dir / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    load_world(store, w, args.seed)
    runs.publish(data_dir, out)
    camp = duckdb.execute(
        f"SELECT campaign_id, brand_id FROM '{w}/entities/campaigns.parquet' ORDER BY 1 LIMIT 1"
    ).fetchone()
    assert camp is not None
    with store.transaction() as conn:
        _, key = principals.create(conn, name="b", role="brand", account_id=camp[1])
    headers = {"Authorization": f"Bearer {key}"}

    query = (
        f"SELECT * FROM '{out}/funnel.parquet' WHERE model = ? AND dimension = 'campaign' "
        "AND key = ?"
    )
    params = [models[0], str(camp[0])]
    kept = duckdb.connect()

    def duckdb_read() -> None:
        cur = kept.cursor()
        cur.execute(query, params).fetchall()
        cur.close()

    def duckdb_read_fresh() -> None:
        con = duckdb.connect()
        con.execute(query, params).fetchall()
        con.close()

    paths = (
        f"/attribution/campaigns/{camp[0]}",
        f"/attribution/campaigns/{camp[0]}/lift",
        f"/attribution/campaigns/{camp[0]}/models",
        "/attribution/campaigns",
    )
    cached_app = create_app(settings, store=store)
    uncached_app = create_app(settings, store=store)
    uncached_app.api.state.reports.cache_entries = 0  # every result dropped as it is put
    with TestClient(cached_app) as cached, TestClient(uncached_app) as uncached:

        def call(client: TestClient, path: str) -> Callable[[], None]:
            def get() -> None:
                r = client.get(path, headers=headers)
                assert r.status_code == 200, r.text

            return get

        variants: dict[str, Callable[[], None]] = {
            "duckdb_read (baseline)": duckdb_read,
            "duckdb_read_fresh": duckdb_read_fresh,
        }
        for path in paths:
            variants[f"{path} cache on"] = call(cached, path)
            variants[f"{path} cache off"] = call(uncached, path)
        samples: dict[str, list[list[float]]] = {name: [] for name in variants}
        names = list(variants)
        for rnd in range(args.rounds):
            order = names[rnd % len(names) :] + names[: rnd % len(names)]  # rotate the order
            for name in order:
                samples[name].append([timed(variants[name])[0] for _ in range(args.requests)])
    kept.close()
    base = [t for r in samples["duckdb_read (baseline)"] for t in r]
    b50 = percentiles(base)[0]
    round_b50 = [percentiles(r)[0] for r in samples["duckdb_read (baseline)"]]
    print(f"API, {args.rounds} alternating rounds x {args.requests} calls per variant")
    for name, rounds in samples.items():
        p50, p90 = percentiles([t for r in rounds for t in r])
        per_round = [percentiles(r)[0] / b for r, b in zip(rounds, round_b50, strict=True)]
        print(
            f"{name:45s} p50 {p50:7.2f} ms  p90 {p90:7.2f} ms  ratio p50 {p50 / b50:6.2f} "
            f"(rounds {min(per_round):.2f}-{max(per_round):.2f})"
        )
    store.dispose()


if __name__ == "__main__":
    sys.exit(main())

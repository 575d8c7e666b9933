"""Matching speed: the DH-blinding protocol N x N vs a plain SHA-256 hash join (the baseline).

    PYTHONPATH=src /work/venv/bin/python bench/cleanroom_match.py            # 100k x 100k
    nice -n 10 env PYTHONPATH=src /work/venv/bin/python bench/cleanroom_match.py --n 1000000

Both parties' phone numbers (half of them shared) go through blind, reblind and join, on
``--processes`` workers. The baseline hashes the same normalized phones with SHA-256 and joins
them: what a naive (and brute-forceable) exchange would cost.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time

import duckdb
import pyarrow as pa

from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.join import join_tokens
from seedtrail.cleanroom.matching import blind_ids, reblind_tokens
from seedtrail.cleanroom.runfiles import PartyKey, RunSecret


def phones(start: int, n: int) -> list[str | None]:
    return [f"139{i:08d}" for i in range(start, start + n)]


def baseline(a: list[str | None], b: list[str | None]) -> tuple[float, int]:
    started = time.perf_counter()
    ha = [hashlib.sha256(f"+86{p}".encode()).digest() for p in a if p]
    hb = [hashlib.sha256(f"+86{p}".encode()).digest() for p in b if p]
    con = duckdb.connect()
    con.register("a", pa.table({"h": ha}))
    con.register("b", pa.table({"h": hb}))
    row = con.execute("SELECT count(*) FROM a JOIN b USING (h)").fetchone()
    assert row is not None
    return time.perf_counter() - started, int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    n, procs = args.n, args.processes
    a_ids, b_ids = phones(0, n), phones(n // 2, n)

    run = RunSecret.new()
    ka, kb = PartyKey.new(run.run_id, "a"), PartyKey.new(run.run_id, "b")
    times: dict[str, float] = {}
    cpu0 = _cpu()
    t = time.perf_counter()
    ra = blind_ids({IdType.PHONE: a_ids}, run, ka, processes=procs)
    rb = blind_ids({IdType.PHONE: b_ids}, run, kb, processes=procs)
    times["blind (both parties)"] = time.perf_counter() - t
    t = time.perf_counter()
    da, _ = reblind_tokens(ra.tokens, ra.meta, kb, processes=procs)
    db, _ = reblind_tokens(rb.tokens, rb.meta, ka, processes=procs)
    times["reblind (both parties)"] = time.perf_counter() - t
    t = time.perf_counter()
    result = join_tokens(da, db, threshold=100)
    times["join"] = time.perf_counter() - t
    total = sum(times.values())
    cpu = _cpu() - cpu0

    base_s, base_matches = baseline(a_ids, b_ids)
    assert result.report["matched_people"] == base_matches == n - n // 2
    print(f"{n:,} x {n:,} ids, {procs} processes, {base_matches:,} matches")
    for stage, secs in times.items():
        print(f"  {stage:<24} {secs:8.1f} s")
    print(f"  {'total (DH blinding)':<24} {total:8.1f} s  {2 * n / total:10,.0f} ids/s")
    print(f"  {'baseline SHA-256 join':<24} {base_s:8.1f} s  {2 * n / base_s:10,.0f} ids/s")
    per_party = (times["blind (both parties)"] + times["reblind (both parties)"]) / 2
    print(f"  {'one party (blind+reblind)':<24} {per_party:8.1f} s  on its own machine")
    print(f"  CPU time, all processes   {cpu:8.1f} s  (/{procs} = {cpu / procs:.1f} s if idle)")
    print(f"  cost of privacy: {total / base_s:.0f}x the plain hash join")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()

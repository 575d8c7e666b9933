"""Matching a simulated world's community with each shop: cost per step, and quality.

    PYTHONPATH=src .venv/bin/python bench/cleanroom_identity.py [--scale demo] [--world DIR]

Runs ``seedtrail.cleanroom.identity.match`` (blind a, blind b, re-blind both, join) per partner
on the world's ``parties/`` directories, and scores the match against ``truth/identity_map``.
Baseline (same run): a plain SHA-256 hash join of the same normalized ids, what a naive (and
brute-forceable) exchange would cost; the ratio is the price of the blinding.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.cleanroom.identifiers import IdType, normalizer
from seedtrail.cleanroom.identity import IdColumns, match, match_stats, register_identity
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import PARTNERS, load_spec


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def baseline(community: Path, shop: Path) -> float:
    """Seconds for SHA-256 of every normalized phone and device id of both files, and the join."""
    started = time.perf_counter()
    con = duckdb.connect()
    for name, path in (("a", community), ("b", shop)):
        table = pq.read_table(path, columns=["phone", "device_id"])
        hashes = []
        for id_type, column in ((IdType.PHONE, "phone"), (IdType.DEVICE, "device_id")):
            norm = normalizer(id_type)
            for raw in table[column].to_pylist():
                value = norm(raw) if raw is not None else None
                if value is not None:
                    hashes.append(hashlib.sha256(f"{id_type}:{value}".encode()).digest())
        con.register(name, pa.table({"h": hashes}))
    con.execute("SELECT count(*) FROM a JOIN b USING (h)").fetchone()
    return time.perf_counter() - started


def _timer(steps: dict[str, float]) -> Callable[[str, int], Any]:
    """A progress ``stage`` for ``match`` that records each step's seconds in ``steps``."""

    @contextmanager
    def timed(label: str, total: int) -> Iterator[Callable[[int], None]]:
        began = time.perf_counter()
        yield lambda n: None
        name = f"{label.split()[0]} {'ab'[len(steps) % 2]}"
        steps[name] = time.perf_counter() - began

    return timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--world", type=Path, default=None, help="An existing sim world.")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crbench-"))
    try:
        world = args.world
        if world is None:
            world = tmp / "world"
            t = time.perf_counter()
            generate(load_spec(args.scale), 7, world)
            print(f"world {args.scale} seed 7 generated in {time.perf_counter() - t:.1f} s")
        root = tmp / "cleanroom"
        users = world / "parties" / "community" / "users.parquet"
        for p in PARTNERS:
            shop = world / "parties" / "shops" / p.slug / "customers.parquet"
            steps: dict[str, float] = {}

            timed = _timer(steps)

            cpu0, began = _cpu(), time.perf_counter()
            match(
                users,
                shop,
                p.slug,
                root,
                community_ids=IdColumns("user_key"),
                shop_ids=IdColumns("shop_user_key"),
                threshold=100,
                processes=args.processes,
                stage=timed,
            )
            total, cpu = time.perf_counter() - began, _cpu() - cpu0
            base = baseline(users, shop)
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
            rest = total - sum(steps.values())
            print(f"{p.slug}: total {total:.1f} s ({parts}; join and files {rest:.1f} s)")
            print(f"  CPU all processes {cpu:.1f} s; baseline SHA-256 join {base:.2f} s; "
                  f"ratio {total / base:.0f}x")  # fmt: skip
        con = duckdb.connect()
        register_identity(con, root)
        stats = match_stats(root)
        scored = con.execute(
            f"""
            WITH found AS (SELECT i.partner, i.community_key, h.shop_user_key FROM cr_identity i
                 JOIN cr_shop_handles h ON h.partner = i.partner AND h.shop_handle = i.shop_key),
                 truth AS (SELECT * FROM '{world}/truth/identity_map.parquet')
            SELECT f.partner, count(*), count(t.partner),
                   (SELECT count(*) FROM truth x WHERE x.partner = f.partner)
            FROM found f LEFT JOIN truth t ON t.partner = f.partner
                 AND t.community_key = f.community_key AND t.shop_key = f.shop_user_key
            GROUP BY 1 ORDER BY 1
            """
        ).fetchall()
        for partner, found, correct, true_pairs in scored:
            s = stats[partner]
            print(
                f"{partner}: {s.community_rows:,} community rows, {s.shop_rows:,} shop rows, "
                f"matched {found:,}, match rate {s.match_rate}, precision {correct / found:.3f}, "
                f"recall {correct / true_pairs:.3f} of {true_pairs:,} true pairs"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

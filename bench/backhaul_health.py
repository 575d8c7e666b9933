"""Backhaul health against the simulated worlds' injected faults (``truth/backhaul_faults``).

For each scale and seed: ``seedtrail sim``, then the production path (entities and links loaded,
the link taps in the click log, the shops' files through intake, the lake sealed), then
``flagged_windows`` for every partner over the whole world, scored only afterwards against the
truth (:mod:`seedtrail.intake.health_eval`). Prints per scale: gap recall (window overlaps), late
and duplicate events counted, false alarms per partner per 30 days (target: recall >= 0.9 and at
most 1), and the seconds health took next to the seconds of the intake it judged (baseline).

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/backhaul_health.py [--quick]
    ... [--scales tiny,demo]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seedtrail.core.settings import load_settings
from seedtrail.demo import world as demo_world
from seedtrail.intake import health_eval
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import load_spec
from seedtrail.store import migrate
from seedtrail.store.store import Store

QUICK = "--quick" in sys.argv
SEEDS = {"tiny": range(1, 11), "demo": range(1, 4), "small": range(1, 3)}
QUICK_SEEDS = {"tiny": range(1, 4), "demo": range(1, 2), "small": range(1, 2)}


def scales() -> list[str]:
    for i, arg in enumerate(sys.argv):
        if arg == "--scales":
            return sys.argv[i + 1].split(",")
    return ["tiny", "demo", "small"]


def run(scale: str, seed: int, root: Path) -> tuple[health_eval.Score, float, float]:
    world = root / f"{scale}-{seed}" / "world"
    generate(load_spec(scale), seed, world, None)
    settings = load_settings(data_dir=root / f"{scale}-{seed}" / "data")
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    t0 = time.perf_counter()
    demo_world.deliver(settings, store, demo_world.WorldSummary(world, seed, ""), lambda _: None)
    t1 = time.perf_counter()
    score, _ = health_eval.score(settings, store, world)
    t2 = time.perf_counter()
    store.dispose()
    return score, t2 - t1, t1 - t0


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main() -> None:
    console = Console(width=170)
    table = Table(
        "scale", "worlds", "gaps found", "gap recall", "detectable", "late counted", "dups counted",
        "flags", "false alarms", "per partner per 30 d", "health s", "intake s (baseline)",
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="seedtrail-health-bench-") as tmp:
        for scale in scales():
            seeds = (QUICK_SEEDS if QUICK else SEEDS)[scale]
            total, secs, base = health_eval.Score(), 0.0, 0.0
            for seed in seeds:
                with console.status(f"{scale} seed {seed}"):
                    s, h, b = run(scale, seed, Path(tmp))
                total.add(s)
                secs, base = secs + h, base + b
                for f in s.false:
                    console.print(f"  {scale} seed {seed} false alarm: {f}", highlight=False)
            table.add_row(
                scale, str(len(seeds)), f"{total.gaps_found}/{total.gaps}",
                fmt(total.recall("gaps")), str(total.gaps_detectable),
                f"{total.late_found}/{total.late}",
                f"{total.duplicates_found}/{total.duplicates}", str(total.flags),
                str(total.false_alarms), fmt(total.false_alarms_per_partner_30d),
                f"{secs:.1f}", f"{base:.1f} ({secs / max(base, 1e-9):.2f}x)",
            )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()

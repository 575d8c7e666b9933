"""The injected-block grid: account-level F1 per density × camouflage × hijacking, over seeds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from statistics import mean

from seedtrail.integrity.evaluation.injection import Setting, evaluate

DENSITIES = (0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.10)
CAMOUFLAGE = ("none", "random", "biased")


def grid(
    densities: Iterable[float] = DENSITIES,
    seeds: Iterable[int] = (1, 2),
    base: Setting | None = None,
    progress: Callable[[], None] | None = None,
) -> list[dict[str, object]]:
    """One row per setting: mean precision, recall and F1 over ``seeds``."""
    base = base or Setting(0.04, "none", False)
    rows = []
    seeds = list(seeds)
    for d in densities:
        for cam in CAMOUFLAGE:
            for hijacked in (False, True):
                s = replace(base, density=d, camouflage=cam, hijacked=hijacked)
                results = [evaluate(s, seed) for seed in seeds]
                if progress:
                    progress()
                rows.append(
                    {
                        "density": d,
                        "camouflage": cam,
                        "hijacked": hijacked,
                        "precision": round(mean(r.precision for r in results), 4),
                        "recall": round(mean(r.recall for r in results), 4),
                        "f1": round(mean(r.f1 for r in results), 4),
                        "min_f1": round(min(r.f1 for r in results), 4),
                        "seeds": len(results),
                    }
                )
    return rows

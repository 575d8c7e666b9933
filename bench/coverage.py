"""Coverage of the report's 95% intervals over many simulated worlds (issue 12's validation run).

Runs ``seedtrail validate coverage`` in-process for ``--seeds`` worlds at ``--scale`` and prints
each interval kind's coverage beside the nominal 0.95 it claims (the baseline), with the ratio
and a binomial standard error, plus the seconds taken:

    nice -n 10 env PYTHONPATH=src python bench/coverage.py --seeds 200 --scale tiny
    nice -n 10 env PYTHONPATH=src python bench/coverage.py --seeds 200 \
        --scale bench/coverage_lift.toml   # campaigns with enough data for lift

Measured figures: docs/attribution-reports.md ("Coverage of the intervals").
"""

from __future__ import annotations

import argparse
import math
import time

from seedtrail.validate import coverage

NOMINAL = 0.95
Z = 1.959963984540054


def wilson(hits: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval of a binomial proportion: where the true coverage lies, given
    ``hits`` of ``n`` intervals covering."""
    p, z2 = hits / n, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--first-seed", type=int, default=1)
    args = ap.parse_args()
    began = time.perf_counter()
    result = coverage.run(args.seeds, args.scale, args.first_seed)
    took = time.perf_counter() - began
    print(f"{result.worlds} worlds at scale {args.scale} in {took:.0f} s")
    for line in result.lines():
        print(line)
    head = f"{'kind':<20} {'coverage':>9} {'± se':>7} {'95% CI (Wilson)':>16} {'nominal':>8}"
    print(f"{head} {'ratio':>6} {'intervals':>9}")
    for kind in coverage.KINDS:
        f, n = result.fraction(kind), result.checks[kind]
        if f is None:
            print(f"{kind:<20} {'n/a':>9} {'':>7} {'':>16} {NOMINAL:>8.2f} {'':>6} {n:>9}")
            continue
        se = math.sqrt(f * (1 - f) / n)
        low, high = wilson(result.hits[kind], n)
        ci, ratio = f"[{low:.3f}, {high:.3f}]", f / NOMINAL
        print(f"{kind:<20} {f:>9.3f} {se:>7.3f} {ci:>16} {NOMINAL:>8.2f} {ratio:>6.3f} {n:>9}")


if __name__ == "__main__":
    main()

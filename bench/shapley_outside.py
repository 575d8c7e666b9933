"""seedtrail's Shapley against the ``shapley-attribution`` package on its own generated journeys
(known channel importance), per generator setting and seed: seedtrail's normalized MAE, the
package's best model and its error, and the ratio (below 1: seedtrail is closer to the truth).

    PYTHONPATH=src python bench/shapley_outside.py [--seeds 2]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from attribution.outside_shapley import SETTINGS, compare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{'setting':<20} {'seed':>4} {'seedtrail':>9} {'package best':>28} {'ratio':>6}")
    for name, setting in SETTINGS.items():
        for seed in range(args.seeds):
            mine, theirs = compare(setting, seed)
            best = min(theirs, key=lambda k: theirs[k])
            print(
                f"{name:<20} {seed:>4} {mine:>9.4f} {best:>21} {theirs[best]:.4f} "
                f"{mine / theirs[best]:>6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

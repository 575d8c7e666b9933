"""seedtrail's Shapley (channel = touch kind) against outside ground truth: journeys with known
channel importance from the ``shapley-attribution`` package, beside that package's estimators.
The full table over six generator settings: ``bench/shapley_outside.py``."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "shapley_attribution",
    reason="the outside Shapley generator (PyPI shapley-attribution, dev extra) is not installed",
)

from attribution.outside_shapley import SETTINGS, compare


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "no-interactions", "ordered-synergy"])
def test_shapley_at_least_as_close_as_the_packages_best(name: str) -> None:
    # mean error over two generated problems per setting (one problem's noise is not the
    # method's), against the package model with the smallest mean error
    ours: list[float] = []
    theirs: dict[str, list[float]] = {}
    for seed in (0, 1):
        mine, errors = compare(SETTINGS[name], seed)
        ours.append(mine)
        for model, error in errors.items():
            theirs.setdefault(model, []).append(error)
    best = min(theirs, key=lambda m: sum(theirs[m]))
    assert sum(ours) <= sum(theirs[best]), (name, ours, best, theirs[best])

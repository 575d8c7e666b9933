"""The estimator's 90% interval holds known effects about nine times in ten (small N here; the
figure with N >= 50 per source is bench/impact_coverage.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seedtrail.impact import validation


def _coverage(trials: list[validation.Trial]) -> float:
    return float(np.mean([t.covered for t in trials]))


@pytest.mark.slow
def test_coverage_on_generated_panels() -> None:
    rng = np.random.default_rng(7)
    trials = [validation.synthetic_change(rng) for _ in range(120)]
    assert 0.83 <= _coverage(trials) <= 0.97
    for t in trials:
        assert t.estimate.low <= t.estimate.effect <= t.estimate.high


@pytest.mark.slow
def test_coverage_on_changes_injected_into_sim_worlds(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    trials = validation.world_trials(validation.Worlds(range(31, 33), tmp_path), 12, rng)
    assert len(trials) == 48 and {t.outcome for t in trials} == {"clicks", "shop_gmv"}
    assert 0.75 <= _coverage(trials) <= 1.0
    # an injected drop of events lowers the touched series: the truth has the drop's sign
    assert any(t.truth < 0 for t in trials) and any(t.truth > 0 for t in trials)

"""Coverage by simulation, small: a few worlds, intervals that mostly hold, and a check that
counts a miss when the interval is wrong."""

from __future__ import annotations

import pytest

from seedtrail.validate import coverage


def test_a_few_tiny_worlds_cover_the_truth_mostly() -> None:
    result = coverage.run(4, "tiny", first_seed=11)
    assert result.worlds == 4
    assert result.checks["sampled_purchases"] >= 4  # a sampled shop in every tiny world
    assert (result.fraction("sampled_purchases") or 0.0) >= 0.75
    assert (result.fraction("sampled_gmv") or 0.0) >= 0.75
    lines = result.lines()
    assert lines[0].startswith("coverage sampled_purchases ") and "(4 worlds" in lines[0]


def test_a_miss_counts_as_a_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    # intervals that ignore sampling collapse onto the estimate: they must miss the truth
    # sometimes, or the check could not fail
    from seedtrail.attribution import summary

    def too_narrow(group_by: tuple[str, ...]) -> summary.Step:
        step = real(group_by)
        return summary.Step(step.name, step.sql.replace("SQRT(", "0 * SQRT("))

    real = summary.summary_step
    monkeypatch.setattr(coverage, "summary_step", too_narrow)
    result = coverage.run(3, "tiny", first_seed=11)
    assert (result.fraction("sampled_purchases") or 0.0) < 0.75

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
    assert result.malformed == 0  # every interval contains its estimate, none below zero
    lines = result.lines()
    assert lines[0].startswith("coverage sampled_purchases ") and "(4 worlds" in lines[0]
    assert [line.split()[1] for line in lines[:5]] == list(coverage.KINDS)
    assert "model_credits n/a" in lines[4]  # no truth defines a model's credit


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


def test_an_interval_beside_its_estimate_is_malformed() -> None:
    result = coverage.Coverage()
    result.check_shape(0.4, 0.36, 0.4, 0.0)  # the issue's [0.4, 0.4] around 0.36
    result.check_shape(-38.59, 100.0, 238.59, 0.0)  # GMV below zero with positive purchases
    result.check_shape(0.0, 100.0, 238.59, 0.0)
    assert result.malformed == 2

"""The difference-in-differences estimator: recovers known effects, reports honest intervals and
flags diverging before-period trends."""

from __future__ import annotations

import numpy as np
import pytest

from seedtrail.core.errors import InvalidInput
from seedtrail.impact import did


def _panel(days: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    common = 100 * (1 + 0.2 * np.sin(np.arange(days) * 2 * np.pi / 7))
    control = rng.poisson(common * 3).astype(float)
    treated = rng.poisson(common).astype(float)
    return treated, control


def test_recovers_a_known_drop_exactly_without_noise() -> None:
    common = 50 * (1 + 0.3 * np.sin(np.arange(30)))
    treated, control = 2 * common, 5 * common
    after = treated.copy()
    after[18:] *= 0.6
    est = did.estimate(after, control, 18)
    assert est.ratio == pytest.approx(0.4)
    assert est.effect == pytest.approx(-0.4 * treated[18:].mean())
    assert est.relative == pytest.approx(-0.4)
    assert est.low <= est.effect <= est.high
    assert est.total == pytest.approx(est.effect * 12)


def test_interval_holds_the_effect_and_widens_with_level() -> None:
    treated, control = _panel()
    treated[25:] += 30
    narrow, wide = did.estimate(treated, control, 25, 0.5), did.estimate(treated, control, 25, 0.99)
    assert wide.low < narrow.low <= narrow.effect <= narrow.high < wide.high
    assert wide.covers(30.0)
    assert narrow.effect == pytest.approx(wide.effect)


def test_without_a_change_the_interval_holds_zero_about_as_often_as_its_level() -> None:
    ests = [did.estimate(*_panel(seed=s), 20) for s in range(200)]
    held = np.mean([e.covers(0.0) for e in ests])
    assert 0.84 <= held <= 0.96
    assert np.mean([e.pretrend is not None and e.pretrend.passed for e in ests]) > 0.8


def test_diverging_before_period_fails_the_pretrend_check() -> None:
    treated, control = _panel(seed=1)
    treated = treated + 8.0 * np.arange(len(treated))  # treated grows, control does not
    est = did.estimate(treated, control, 25)
    assert est.pretrend is not None
    assert est.pretrend.p_value < 0.05 and not est.pretrend.passed
    assert est.to_dict()["pretrend"]["passed"] is False


def test_placebo_drift_between_untouched_units_widens_the_interval() -> None:
    rng = np.random.default_rng(5)
    days = 40
    base = 200 * (1 + 0.2 * np.sin(np.arange(days)))
    trends = [1 + 0.02 * np.arange(days), 1 - 0.015 * np.arange(days), np.ones(days)]
    units = np.array([rng.poisson(base * t) for t in trends], float)
    treated = rng.poisson(base).astype(float)
    plain = did.estimate(treated, units.sum(0), 20)
    drifted = did.estimate(treated, units.sum(0), 20, control_units=units)
    assert drifted.drift is not None and drifted.drift > 0
    assert drifted.high - drifted.low > plain.high - plain.low
    assert drifted.effect == pytest.approx(plain.effect)


def test_a_unit_with_nothing_before_and_drifting_controls_is_an_estimate() -> None:
    """Links that opened on a category with no link before: the counterfactual is nothing, so
    drift between the controls adds nothing (once a ZeroDivisionError, found by the coverage
    bench on a responding world)."""
    rng = np.random.default_rng(5)
    days = 40
    base = 200 * (1 + 0.2 * np.sin(np.arange(days)))
    trends = [1 + 0.02 * np.arange(days), 1 - 0.015 * np.arange(days), np.ones(days)]
    units = np.array([rng.poisson(base * t) for t in trends], float)
    for treated in (np.zeros(days), np.r_[np.zeros(20), rng.poisson(5, 20)].astype(float)):
        est = did.estimate(treated, units.sum(0), 20, control_units=units)
        assert est.counterfactual == 0 and est.drift is not None and est.drift > 0
        assert est.low <= est.effect <= est.high
        assert est.effect == pytest.approx(treated[20:].mean())


@pytest.mark.parametrize(
    ("start", "control_scale", "says"),
    [(2, 1.0, "at least 4 days"), (37, 1.0, "at least 4 days"), (20, 0.0, "no control")],
)
def test_refuses_what_it_cannot_estimate(start: int, control_scale: float, says: str) -> None:
    treated, control = _panel()
    with pytest.raises(InvalidInput, match=says):
        did.estimate(treated, control * control_scale, start)


def test_newey_west_of_a_persistent_series_exceeds_its_plain_variance() -> None:
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(size=200)) * 0.1 + rng.normal(size=200)
    assert did.newey_west(x) > x.var(ddof=1)
    assert did.newey_west(np.ones(5)) == 0.0

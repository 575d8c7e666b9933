"""Lift calibration: per-campaign factors and intervals, the choice of the base model, and
the calibrated credits of a report (engine conformance: test_conformance.py)."""

from __future__ import annotations

import pytest

from seedtrail.attribution import calibration
from seedtrail.attribution.spec import Calibration
from seedtrail.core.errors import InvalidInput


def _lift(key: str, inc: float, low: float, high: float, enough: bool = True) -> dict[str, object]:
    return {
        "key": key,
        "enough_data": enough,
        "incremental_purchases": inc,
        "incremental_purchases_ci_low": low,
        "incremental_purchases_ci_high": high,
    }


LIFTS = [
    _lift("1", 20.0, 8.0, 32.0),
    _lift("2", -3.0, -9.0, 3.0),
    _lift("3", 50.0, -10.0, 110.0, enough=False),
    _lift("all", 67.0, 30.0, 100.0),
]


def test_factors_statuses_and_intervals() -> None:
    rows = {
        r["campaign"]: r
        for r in calibration.per_campaign(LIFTS, {"1": 40.0, "2": 5.0, "3": 9.0, "4": 2.0})
    }
    assert rows["1"]["status"] == calibration.CALIBRATED
    assert rows["1"]["factor"] == pytest.approx(0.5)
    assert (rows["1"]["calibrated_ci_low"], rows["1"]["calibrated_ci_high"]) == (8.0, 32.0)
    # a negative lift calibrates to zero; the interval is floored at zero and contains it
    assert rows["2"]["factor"] == 0.0 and rows["2"]["calibrated_purchases"] == 0.0
    assert rows["2"]["calibrated_ci_low"] == 0.0 and rows["2"]["calibrated_ci_high"] == 3.0
    assert rows["3"]["status"] == calibration.NOT_ENOUGH_DATA
    assert rows["3"]["calibrated_purchases"] == 9.0 and rows["3"]["factor"] is None
    assert rows["4"]["status"] == calibration.NO_HOLDOUT
    for r in rows.values():
        if r["calibrated_ci_low"] is not None:
            assert r["calibrated_ci_low"] <= r["calibrated_purchases"] <= r["calibrated_ci_high"]
    assert calibration.calibration_of(rows.values()).factors == (("1", 0.5), ("2", 0.0))


def test_nothing_attributed_is_left_uncalibrated() -> None:
    rows = calibration.per_campaign([_lift("1", 5.0, 1.0, 9.0)], {})
    assert rows[0]["status"] == calibration.NOTHING_ATTRIBUTED


def test_base_model_is_the_one_closest_to_the_measured_lift() -> None:
    attributed = {"a": {"1": 40.0, "2": 5.0}, "b": {"1": 22.0, "2": 1.0, "3": 500.0}}
    best, figures, why = calibration.choose_base(LIFTS, attributed, "a")
    assert best == "b"  # campaign 3 has not enough data: it does not count
    assert figures["b"]["gap_purchases"] == pytest.approx(3.0)
    assert figures["a"]["gap_purchases"] == pytest.approx(25.0)
    assert figures["b"]["error"] == pytest.approx(3.0 / 20.0)
    assert "b agrees best" in why


def test_no_measured_lift_keeps_the_fallback_and_says_so() -> None:
    best, _figures, why = calibration.choose_base(
        [_lift("1", 5.0, 1.0, 9.0, False)], {"a": {}}, "a"
    )
    assert best == "a" and "no campaign has a measured lift" in why


def test_bad_factor_is_refused() -> None:
    with pytest.raises(InvalidInput, match="finite number"):
        Calibration((("1", -0.5),))

"""Lift calibration: per-campaign factors and intervals, the choice of the base model, and
the calibrated credits of a report (engine conformance: test_conformance.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from seedtrail import messages
from seedtrail.attribution import calibration
from seedtrail.attribution.organic import Floor
from seedtrail.attribution.report import ReportSpec, score_world
from seedtrail.attribution.spec import Calibration
from seedtrail.attribution.summary import Z95
from seedtrail.core.errors import InvalidInput
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import spec_from_mapping

# bench/coverage_lift.toml's world: a tiny one with enough viewers and holdout for lift
LIFT_WORLD = {"base": "tiny", "viewers": 6000, "brands": 3, "enterprises": 2, "holdout_share": 0.3}


def _lift(
    key: str, inc: float, low: float, high: float, enough: bool = True, se: float | None = None
) -> dict[str, object]:
    return {
        "key": key,
        "enough_data": enough,
        "incremental_purchases": inc,
        "incremental_purchases_se": (high - low) / (2 * Z95) if se is None else se,
        "incremental_purchases_ci_low": low,
        "incremental_purchases_ci_high": high,
    }


LIFTS = [
    _lift("1", 20.0, 8.0, 32.0),
    _lift("2", -3.0, -9.0, 3.0),
    _lift("3", 50.0, -10.0, 110.0, enough=False),
    _lift("all", 67.0, 30.0, 100.0),
]


def _rows(lifts: list[dict[str, object]], attributed: dict[str, float]) -> dict[str, Any]:
    rows, _pool = calibration.per_campaign(lifts, attributed)
    return {r["campaign"]: r for r in rows}


def test_statuses_and_every_interval_holds_its_estimate() -> None:
    rows, pool = calibration.per_campaign(LIFTS, {"1": 40.0, "2": 5.0, "3": 9.0, "4": 2.0})
    by = {r["campaign"]: r for r in rows}
    assert by["1"]["status"] == by["2"]["status"] == calibration.CALIBRATED
    assert by["1"]["raw_factor"] == pytest.approx(0.5)
    # campaign 3 has no lift of its own with enough data: the pooled factor, measured on all
    assert by["3"]["status"] == calibration.POOLED and pool.measured
    assert by["3"]["factor"] == pytest.approx(pool.factor)
    assert by["4"]["status"] == calibration.NO_HOLDOUT and by["4"]["factor"] is None
    assert by["4"]["calibrated_purchases"] == 2.0
    for r in by.values():
        if r["factor"] is not None:
            assert r["factor"] >= 0
            assert 0 <= r["calibrated_ci_low"] <= r["calibrated_purchases"]
            assert r["calibrated_purchases"] <= r["calibrated_ci_high"]
            assert r["calibrated_purchases"] == pytest.approx(
                r["factor"] * r["attributed_purchases"]
            )
    assert calibration.calibration_of(rows).factors == tuple(
        (k, by[k]["factor"]) for k in ("1", "2", "3")
    )


def test_a_negative_lift_floors_the_factor_at_zero() -> None:
    # a precise negative lift on a campaign, nothing pooled to pull it back
    rows = _rows([_lift("2", -30.0, -32.0, -28.0)], {"2": 5.0})
    assert rows["2"]["factor"] == 0.0 and rows["2"]["calibrated_purchases"] == 0.0
    assert rows["2"]["calibrated_ci_low"] == 0.0 <= rows["2"]["calibrated_ci_high"]


def test_a_noisy_holdout_cannot_blow_credit_up() -> None:
    """A holdout that measures 11.8 times the attributed purchases with an error as large as
    the effect moves the factor little; a precise one sets the factor near its own ratio."""
    lifts = [
        _lift("1", 20.0, 0, 0, se=1.0),  # 40 attributed: own factor 0.5 ± 0.025
        _lift("2", 118.0, 0, 0, se=118.0),  # 10 attributed: own factor 11.8 ± 11.8
        _lift("all", 138.0, 0, 0, se=118.0),
    ]
    rows, pool = calibration.per_campaign(lifts, {"1": 40.0, "2": 10.0})
    by = {r["campaign"]: r for r in rows}
    assert by["1"]["factor"] == pytest.approx(0.5, abs=0.01)
    assert by["2"]["raw_factor"] == pytest.approx(11.8)
    assert pool.factor < by["2"]["factor"] < 3.0
    # each factor lies between the pooled one and its own
    for r in by.values():
        low, high = sorted((pool.factor, r["raw_factor"]))
        assert low <= r["factor"] <= high
    assert pool.tau2 == 0.0  # its own factor is too noisy to show campaigns differ
    # two precise holdouts that disagree: campaigns do differ, and each keeps its own factor
    precise = _lift("2", 20.0, 0, 0, se=0.5)
    rows, pool = calibration.per_campaign([lifts[0], precise, lifts[2]], {"1": 40.0, "2": 10.0})
    assert pool.tau2 > 1.0
    assert [r["factor"] for r in rows] == pytest.approx([0.5, 2.0], abs=0.02)


def test_no_pooled_lift_leaves_the_prior() -> None:
    rows, pool = calibration.per_campaign(
        [_lift("1", 5.0, 1.0, 9.0, False), _lift("all", 5.0, 1.0, 9.0, False)], {"1": 3.0}
    )
    assert not pool.measured and pool.factor == calibration.PRIOR_FACTOR
    assert rows[0]["status"] == calibration.NOT_ENOUGH_DATA and rows[0]["factor"] is None
    assert calibration.calibration_of(rows).factors == ()


def test_nothing_attributed_is_left_uncalibrated() -> None:
    rows, _pool = calibration.per_campaign([_lift("1", 5.0, 1.0, 9.0)], {})
    assert rows[0]["status"] == calibration.NOTHING_ATTRIBUTED


def test_base_model_is_the_one_closest_to_the_measured_lift() -> None:
    attributed = {"a": {"1": 40.0, "2": 5.0}, "b": {"1": 22.0, "2": 1.0, "3": 500.0}}
    best, figures, why = calibration.choose_base(LIFTS, attributed, "a")
    assert best == "b"  # campaign 3 has not enough data: it does not count
    assert figures["b"]["gap_purchases"] == pytest.approx(3.0)
    assert figures["a"]["gap_purchases"] == pytest.approx(25.0)
    assert figures["b"]["error"] == pytest.approx(3.0 / 20.0)
    assert "b agrees best" in why.english


def test_no_measured_lift_keeps_the_fallback_and_says_so() -> None:
    best, _figures, why = calibration.choose_base(
        [_lift("1", 5.0, 1.0, 9.0, False)], {"a": {}}, "a"
    )
    assert best == "a" and "no campaign has a measured lift" in why.english


def _floor(explained: float, off_brand: float) -> Floor:
    return Floor(100.0, 80.0, 20.0, 0.2, 5.0, 0.9, 0.02, explained, off_brand)


def test_without_lift_the_data_choose_the_base_model() -> None:
    """No measured lift: the model whose credit the organic floor keeps on the most purchases,
    then the one with the least credit on touches of another brand (not the fallback)."""
    floors = {"a": _floor(70.0, 0.8), "b": _floor(70.0, 0.6), "c": _floor(40.0, 0.1)}
    unmeasured = [_lift("1", 5.0, 1.0, 9.0, False)]
    best, figures, why = calibration.choose_base(unmeasured, {m: {} for m in floors}, "a", floors)
    assert best == "b" and "no campaign has a measured lift" in why.english
    assert "b credits" in why.english and "(60%)" in why.english
    assert figures["b"]["floor"]["off_brand"] == 0.6
    # the reason is a message: Chinese for a Chinese reader, with the same figures, also from
    # its stored form (report.json keeps it as a dict)
    zh = messages.render("zh-CN", why.as_dict())
    assert "没有活动测得增量" in zh and "70.0" in zh and "60%" in zh
    assert not re.search(r"[A-Za-z]{4,}", zh), zh  # no English words left (model names are short)


def test_a_noisy_lift_cannot_move_the_base_model_off_the_data_choice() -> None:
    floors = {"a": _floor(70.0, 0.8), "b": _floor(70.0, 0.6)}
    # b's prior; a fits the lift better, but by less than the chi-squared threshold
    noisy = [_lift("1", 10.0, 0, 0, se=20.0), _lift("all", 10.0, 0, 0, se=20.0)]
    attributed = {"a": {"1": 12.0}, "b": {"1": 40.0}}
    best, figures, why = calibration.choose_base(noisy, attributed, "a", floors)
    assert best == "b" and "does not tell the models apart" in why.english
    assert figures["b"]["chi2"] == pytest.approx((30.0 / 20.0) ** 2)
    # the same gap measured precisely moves it
    precise = [_lift("1", 10.0, 0, 0, se=2.0), _lift("all", 10.0, 0, 0, se=2.0)]
    best, _figures, why = calibration.choose_base(precise, attributed, "a", floors)
    assert best == "a" and "a agrees best" in why.english


def test_bad_factor_is_refused() -> None:
    with pytest.raises(InvalidInput, match="finite number"):
        Calibration((("1", -0.5),))


def test_calibrated_credit_on_a_world_follows_the_pooled_factors(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On a simulated world whose campaigns have enough data for lift: every factor lies between
    the pooled one and the campaign's own, and the engine applied exactly those factors (the
    calibrated model credits each campaign its attributed purchases times its factor)."""
    out = tmp_path_factory.mktemp("lift-world")
    generate(spec_from_mapping(LIFT_WORLD), 3, out)
    spec = ReportSpec(models=("last_click", "linear"), primary="linear")
    scores, _lifts, chosen = score_world(out, spec)
    cal, pool = chosen["calibrated"], chosen["calibrated"]["pooled"]
    assert pool["measured"]
    rows = cal["campaigns"]
    own = [r for r in rows if r["status"] == calibration.CALIBRATED]
    assert own, "the world's campaigns should have enough data for their own lift"
    for r in own:
        low, high = sorted((pool["factor"], r["raw_factor"]))
        assert low - 1e-9 <= r["factor"] <= high + 1e-9
    # the calibrated model credits what the organic floor kept of its base model, each
    # campaign's kept purchases times its factor
    credited = {s["model"]: s["credited_purchases"] for s in scores}
    moved = sum(r["attributed_purchases"] * (r["factor"] - 1) for r in rows if r["factor"])
    assert credited["calibrated"] == pytest.approx(cal["floor"]["explained_purchases"] + moved)
    assert credited["calibrated"] < credited[cal["base_model"]]

from __future__ import annotations

import math
import sys

import pyarrow as pa
import pytest
from cleanroom_helpers import PERIOD, funnel_rows

from seedtrail.cleanroom.budget import StoreBudgetLedger
from seedtrail.cleanroom.cells import Cell
from seedtrail.cleanroom.noise import release_dp
from seedtrail.cleanroom.release import OTHER, Release
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import TEMPLATES, ReportRequest
from seedtrail.core.errors import BudgetExhausted, ConfigError, InvalidInput
from seedtrail.store.store import Store

POLICY = ReleasePolicy(k=50)


def dp_request(template: str = "funnel_by_note", epsilon: float | None = None) -> ReportRequest:
    return ReportRequest(template, "brand-x", 1, PERIOD, dp=True, epsilon=epsilon)


def dp_report(store: Store, rows: pa.Table, request: ReportRequest) -> Release:
    """One DP report against the store's ledger, in its own transaction."""
    with store.transaction() as conn:
        return run_report(rows, request, POLICY, ledger=StoreBudgetLedger(conn, "test"))


def spent(store: Store) -> float:
    with store.read() as conn:
        return StoreBudgetLedger(conn, "test").spent("brand-x", 1, PERIOD)


def test_dp_report_is_noisy_consistent_and_thresholded(store: Store) -> None:
    rows = funnel_rows({("c1", "n1"): 400, ("c1", "n2"): 300, ("c2", "n3"): 2})
    release = dp_report(store, rows, dp_request())
    assert release.rule["mode"] == "dp"
    assert release.rule["threshold"] > 10  # a DP threshold replaces k
    out = {(r["creator_id"], r["note_id"]): r for r in release.to_arrow().to_pylist()}
    assert ("c2", "n3") not in out  # 2 people cannot clear the DP threshold
    assert ("other", None) in out  # always present, noisy
    assert abs(out[("c1", "n1")]["people"] - 400) < 150
    # Roll-ups are sums of noisy leaves, so they add up.
    kids = [r["gmv"] for k, r in out.items() if k[0] == "c1" and k[1] is not None]
    assert out[("c1", None)]["gmv"] == pytest.approx(sum(kids))
    assert spent(store) == 1.0


def test_averaging_out_noise_with_repeated_queries_is_stopped_by_the_budget(
    store: Store,
) -> None:
    """Attack: ask the same DP report again and again and average the answers."""
    rows = funnel_rows({("c1", "n1"): 120, ("c1", "n2"): 200})
    answers = []
    with pytest.raises(BudgetExhausted, match="privacy budget exhausted"):
        for _ in range(100):
            answers.append(dp_report(store, rows, dp_request()).to_arrow())
    assert len(answers) == 4  # default 4 per period at 1 per report
    assert spent(store) == 4.0
    assert len({a.column("gmv").to_pylist()[0] for a in answers}) > 1  # fresh noise each time


def test_dp_epsilon_limits(store: Store) -> None:
    rows = funnel_rows({("c1", "n1"): 120})
    with pytest.raises(InvalidInput, match="epsilon"):
        dp_report(store, rows, dp_request(epsilon=2.0))
    with pytest.raises(InvalidInput, match="ledger"):
        run_report(rows, dp_request(), POLICY)
    assert spent(store) == 0.0


@pytest.mark.parametrize("template", ["funnel_by_campaign", "funnel_by_day", "lift", "roas"])
def test_every_template_runs_under_dp(store: Store, template: str) -> None:
    rows = funnel_rows({("c1", "n1"): 700, ("c1", "control"): 700})
    release = dp_report(store, rows, dp_request(template, epsilon=0.5))
    table = release.to_arrow({(): 1.0})
    assert table.num_rows >= 1
    assert table.column("level").to_pylist()[0] == "campaign"
    assert abs(table.column("people").to_pylist()[0] - 1400) < 400
    assert spent(store) == 0.5


# --- The noise actually added, measured over many draws ------------------------------------
#
# Laplace(b) noise has mean 0 and mean absolute deviation b; over n draws the estimate of b has
# a relative standard error of 1/sqrt(n). With 2,000 draws, a 15% band is about 7 standard
# errors wide: the test does not flake, yet fails for noise half or double the written scale,
# and of course for no noise or noise 1000 times smaller.

SPEC = TEMPLATES["funnel_by_creator"]
DP_REQUEST = ReportRequest("funnel_by_creator", "brand-x", 1, PERIOD, dp=True)
BIG = 1e7  # far above every scale, so the release's max(0, ...) never clips


def big_cells(n: int, people: int) -> dict[tuple[str, ...], Cell]:
    """``n`` cells of ``people`` people each (the same people: only the count matters here)."""
    crowd = {f"p{j}" for j in range(people)}
    return {(f"c{i:03d}",): Cell(crowd, {m.name: BIG for m in SPEC.measures}) for i in range(n)}


def documented_scale(clamp: float, epsilon: float) -> float:
    """docs/cleanroom.md: half of epsilon picks cells, the other half is split evenly over the
    measures and the people count of ``other``; a person touches at most the rows cap."""
    share = epsilon / 2 / (len(SPEC.measures) + 1)
    return SPEC.max_rows_per_person * clamp / share


def assert_laplace(
    errors: list[float], scale: float, band: tuple[float, float] = (0.85, 1.15)
) -> None:
    spread = sum(abs(e) for e in errors) / len(errors)
    assert band[0] * scale < spread < band[1] * scale, (spread, scale)
    mean = sum(errors) / len(errors)
    assert abs(mean) < 5 * scale * math.sqrt(2 / len(errors)), (mean, scale)


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [1.0, 0.25])
def test_noise_on_sums_has_the_scale_the_release_rule_states(epsilon: float) -> None:
    finest = big_cells(200, 3000)  # far above the threshold at either epsilon
    errors: dict[str, list[float]] = {m.name: [] for m in SPEC.measures}
    rule: dict[str, object] = {}
    for _ in range(10):
        release = release_dp(finest, SPEC, DP_REQUEST, epsilon=epsilon, delta=1e-7)
        rule = release.rule
        for cell in release.cells:
            if len(cell.key) == 1 and cell.key[0] != OTHER:
                for name, value in cell.sums.items():
                    errors[name].append(value - BIG)
    assert rule["epsilon"] == epsilon
    for m in SPEC.measures:
        scale = documented_scale(m.clamp, epsilon)
        assert rule["noise_scale"] == pytest.approx(  # type: ignore[index]
            {x.name: documented_scale(x.clamp, epsilon) for x in SPEC.measures}
        )
        assert len(errors[m.name]) == 2000  # every cell was released
        assert_laplace(errors[m.name], scale)


@pytest.mark.slow
def test_noise_on_released_people_counts_has_the_selection_scale() -> None:
    """The chosen cells' counts come from the Laplace threshold, scale 2 × rows cap / epsilon."""
    finest = big_cells(200, 600)
    errors: list[float] = []
    for _ in range(10):
        release = release_dp(finest, SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)
        errors += [c.people - 600 for c in release.cells if len(c.key) == 1 and c.key != (OTHER,)]
    assert len(errors) == 2000
    assert_laplace(errors, 2 * SPEC.max_rows_per_person / 1.0)


@pytest.mark.slow
def test_the_other_cell_holds_every_cell_not_picked_with_its_own_noise() -> None:
    """Cells far under the threshold all go to ``other``, whose people count gets Laplace noise
    of scale 1 / share (one person is one more in ``other``)."""
    small = {
        (f"c{i:03d}",): Cell({f"p{i}-{j}" for j in range(5)}, {"gmv": 1.0}) for i in range(400)
    }
    errors: list[float] = []
    gmv: list[float] = []
    for _ in range(100):  # one draw per release: a wider band (5 standard errors each way)
        release = release_dp(small, SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)
        leaves = [c for c in release.cells if len(c.key) == 1]
        assert [c.key for c in leaves] == [(OTHER,)]  # 5 people never clear the threshold
        errors.append(leaves[0].people - 2000)
        gmv.append(leaves[0].sums["gmv"])
    assert_laplace(errors, 1 / (1.0 / 2 / (len(SPEC.measures) + 1)), band=(0.5, 1.6))
    assert 0 < sum(gmv) / len(gmv) < 2 * documented_scale(2000.0, 1.0)  # noisy, never negative


def _delta_at(threshold: float, scale: float, bound: int) -> float:
    """delta of OpenDP's Laplace threshold at ``threshold``, computed here independently."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = (
        dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=float, nan=False)),
        dp.l01inf_distance(dp.absolute_distance(T=float)),
    )
    meas = space >> dp.m.then_laplace_threshold(scale=scale, threshold=threshold)
    return float(meas.map((bound, float(bound), 1.0))[1])


@pytest.mark.parametrize(("epsilon", "delta"), [(1.0, 1e-7), (0.5, 1e-9)])
def test_the_threshold_is_the_smallest_that_keeps_delta_under_the_bound(
    epsilon: float, delta: float
) -> None:
    release = release_dp(big_cells(3, 2000), SPEC, DP_REQUEST, epsilon=epsilon, delta=delta)
    threshold = release.rule["threshold"]
    assert release.rule["delta"] == delta
    scale = 2 * SPEC.max_rows_per_person / epsilon
    assert _delta_at(threshold + 0.01, scale, SPEC.max_rows_per_person) <= delta
    assert _delta_at(threshold - 0.05, scale, SPEC.max_rows_per_person) > delta


def test_cells_far_under_the_threshold_are_never_shown_and_big_ones_always() -> None:
    finest = {**big_cells(5, 3000), ("tiny",): Cell({"a", "b"}, {"gmv": 50.0})}
    for _ in range(20):
        release = release_dp(finest, SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)
        keys = [c.key for c in release.cells]
        assert keys[0] == ()  # the campaign total first, then each shown cell, then other
        assert keys[1:] == [*sorted(k for k in finest if k != ("tiny",)), (OTHER,)]
        total = release.cells[0]
        assert total.people == sum(c.people for c in release.cells[1:])
        for name in total.sums:
            assert total.sums[name] == pytest.approx(sum(c.sums[name] for c in release.cells[1:]))
        assert all(v >= 0 for c in release.cells for v in c.sums.values())


def test_a_dp_release_without_opendp_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the ``dp`` extra is not installed, a DP release fails with the project's own error
    naming it (not an ImportError or a KeyError)."""
    for name in list(sys.modules):
        if name == "opendp" or name.startswith("opendp."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opendp", None)
    with pytest.raises(ConfigError, match=r"pip install 'seedtrail\[dp\]'"):
        release_dp(big_cells(3, 2000), SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)


def test_a_dp_release_enables_the_opendp_features_it_uses() -> None:
    """OpenDP's Laplace threshold is a ``contrib`` feature, switched on per process: the release
    turns it on itself rather than relying on something else having done so first."""
    import opendp.prelude as dp

    dp.disable_features("contrib")
    try:
        release = release_dp(big_cells(3, 2000), SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)
    finally:
        dp.enable_features("contrib")
    assert [c.key for c in release.cells][1:] == [*sorted(big_cells(3, 2000)), (OTHER,)]


@pytest.mark.slow
def test_an_empty_other_is_noisy_but_clipped_at_zero_never_shifted() -> None:
    """When every cell is shown, ``other`` holds nobody: its count and sums are Laplace noise
    around 0, released as max(0, ·). About half the draws are exactly 0 (a noisy value below
    0.5 people, or below 0 in money), none is negative, and each shown cell's money is released
    in whole cents."""
    finest = big_cells(3, 3000)
    zero_people = zero_money = 0
    draws = 80
    for _ in range(draws):
        release = release_dp(finest, SPEC, DP_REQUEST, epsilon=1.0, delta=1e-7)
        other = next(c for c in release.cells if c.key == (OTHER,))
        assert other.people >= 0 and all(v >= 0 for v in other.sums.values())
        zero_people += other.people == 0
        zero_money += other.sums["gmv"] == 0
        for leaf in release.cells[1:]:  # the total is their (floating-point) sum
            assert all(round(v, 2) == v for v in leaf.sums.values()), leaf
        shown = [v for c in release.cells[1:] if c.key != (OTHER,) for v in c.sums.values()]
        assert any(v != round(v) for v in shown)  # to the cent, not to the yuan
    # P(0) is 1 - exp(-0.5 / b) / 2 ~ 0.52 for the people count, 1/2 for money; 80 draws put
    # both well inside (15, 65) (more than 5 standard errors each way)
    assert 15 < zero_people < 65 and 15 < zero_money < 65, (zero_people, zero_money)

"""Markov removal effects and Shapley values on paths small enough to solve by hand."""

from __future__ import annotations

import math
import re
from itertools import combinations, permutations
from math import factorial

import pytest

from seedtrail.attribution import datadriven
from seedtrail.attribution.datadriven import (
    RIDGE,
    _local_shapley,
    markov_removal_effects,
    observed_shapley_values,
    shapley_values,
)
from seedtrail.core.errors import InvalidInput


def test_markov_order_1_by_hand() -> None:
    # start -> A (2 of 4), B (2 of 4); A -> B 1/2, null 1/2; B -> conversion 2/3, null 1/3.
    # P(conv) = 1/2 * 1/2 * 2/3 + 1/2 * 2/3 = 1/2.
    # Without A: 1/2 * 2/3 = 1/3, removal effect 1 - (1/3)/(1/2) = 1/3. Without B: 0, effect 1.
    paths = [(("A", "B"), 1.0, 0.0), (("B",), 1.0, 1.0), (("A",), 0.0, 1.0)]
    got = markov_removal_effects(paths)
    assert got == pytest.approx({"A": 1 / 3, "B": 1.0})


def test_markov_loops_solved_exactly() -> None:
    # A -> B 1/2, null 1/2; B -> conversion 1/2, A 1/2: p_B = 1/2 + 1/2 p_A, p_A = 1/2 p_B,
    # so p_B = 2/3, p_A = 1/3 and P(conv) = 1/2 (1/3 + 2/3) = 1/2. Without A: 1/2 * 1/2 = 1/4.
    paths = [(("A", "B"), 1.0, 0.0), (("B", "A"), 0.0, 1.0)]
    assert markov_removal_effects(paths) == pytest.approx({"A": 0.5, "B": 1.0})
    # order 2 sees that only "A then B" converts: removing either channel kills every conversion
    assert markov_removal_effects(paths, order=2) == pytest.approx({"A": 1.0, "B": 1.0})


def test_markov_counts_weigh_transitions() -> None:
    # 3 of 4 journeys through A convert, 1 of 4 through B: P = 1/2 (3/4 + 1/4) = 1/2;
    # without A only B's 1/8 is left (effect 3/4), without B only A's 3/8 (effect 1/4)
    paths = [(("A",), 3.0, 1.0), (("B",), 1.0, 3.0)]
    assert markov_removal_effects(paths) == pytest.approx({"A": 0.75, "B": 0.25})


def test_markov_adds_up_a_path_listed_more_than_once() -> None:
    # A: 2 conversions of 3, B: 1 of 4; start -> A 3/7, B 4/7: P = 3/7 · 2/3 + 4/7 · 1/4 = 3/7.
    # Without A: 1/7 (effect 2/3); without B: 2/7 (effect 1/3).
    paths = [(("A",), 1.0, 0.0), (("A",), 0.0, 1.0), (("A",), 1.0, 0.0), (("B",), 1.0, 3.0)]
    assert markov_removal_effects(paths) == pytest.approx({"A": 2 / 3, "B": 1 / 3})


def test_markov_never_converting() -> None:
    assert markov_removal_effects([(("A",), 0.0, 2.0), ((), 1.0, 0.0)]) == {"A": 0.0}


def test_markov_state_limit() -> None:
    paths = [((f"c{i}", f"c{j}"), 1.0, 0.0) for i in range(150) for j in range(150)]
    # <start>, 150 one-channel states and 150 × 150 two-channel ones
    message = (
        "markov order 2 gives 22651 states (limit 20000); "
        "use a lower order or a coarser channel dimension"
    )
    with pytest.raises(InvalidInput, match=re.escape(message)):
        markov_removal_effects(paths, order=2)


def test_markov_state_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    # <start>, (A,) and (B,): three states are allowed under a limit of three, not of two
    paths = [(("A", "B"), 1.0, 1.0)]
    monkeypatch.setattr(datadriven, "MAX_STATES", 3)
    assert markov_removal_effects(paths) == pytest.approx({"A": 1.0, "B": 1.0})
    monkeypatch.setattr(datadriven, "MAX_STATES", 2)
    with pytest.raises(InvalidInput, match=r"gives 3 states \(limit 2\)"):
        markov_removal_effects(paths)


def test_markov_ignores_empty_and_zero_count_paths_wherever_they_come() -> None:
    """An empty path, or a path with no journeys (0 conversions, 0 non-conversions), adds
    nothing, first or last; the counts only weigh transitions, so scaling them all by 1/8
    (fractional counts) changes nothing either."""
    paths = [(("A", "B"), 1.0, 0.0), (("B",), 1.0, 1.0), (("A",), 0.0, 1.0)]
    expected = {"A": 1 / 3, "B": 1.0}  # test_markov_order_1_by_hand
    assert markov_removal_effects([((), 5.0, 1.0), *paths]) == pytest.approx(expected)
    got = markov_removal_effects([(("C",), 0.0, 0.0), *paths, (("A", "C"), 0.0, 0.0)])
    assert got == pytest.approx({**expected, "C": 0.0})
    eighths = [(p, conv / 8, null / 8) for p, conv, null in paths]
    assert markov_removal_effects(eighths) == pytest.approx(expected)


def _shapley_by_definition(paths: list[tuple[tuple[str, ...], float, float]]) -> dict[str, float]:
    """Average marginal contribution over every order of the players, v(S) = conversions of
    paths whose channel set is a subset of S."""
    players = sorted({c for p, _, _ in paths for c in p})

    def v(s: set[str]) -> float:
        return sum(conv for p, conv, _ in paths if p and set(p) <= s)

    phi = dict.fromkeys(players, 0.0)
    for order in permutations(players):
        seen: set[str] = set()
        for c in order:
            before = v(seen)
            seen.add(c)
            phi[c] += v(seen) - before
    return {c: x / factorial(len(players)) for c, x in phi.items()}


def test_shapley_by_hand() -> None:
    # sets {A,B}: 2, {A}: 1, {B,C}: 3 (B twice in one path is one member); {C} never converts.
    # φ_A = 2/2 + 1 = 2, φ_B = 2/2 + 3/2 = 2.5, φ_C = 3/2.
    paths = [
        (("A", "B"), 2.0, 0.0),
        (("A",), 1.0, 3.0),
        (("B", "C", "B"), 3.0, 5.0),
        (("C",), 0.0, 4.0),
    ]
    got = observed_shapley_values(paths)
    assert got == pytest.approx({"A": 2.0, "B": 2.5, "C": 1.5})
    assert got == pytest.approx(_shapley_by_definition(paths))
    assert sum(got.values()) == pytest.approx(6.0)  # efficiency: every conversion shared out


def test_shapley_agrees_with_definition_on_four_channels() -> None:
    paths = [
        (("a", "b", "c"), 5.0, 1.0),
        (("d",), 2.0, 0.0),
        (("b", "d"), 1.0, 7.0),
        (("c", "a"), 4.0, 2.0),
        (("a",), 0.5, 0.0),
    ]
    assert observed_shapley_values(paths) == pytest.approx(_shapley_by_definition(paths))


def test_learned_shapley_rewards_the_channel_that_raises_conversion() -> None:
    # "a" converts 40% alone, "b" 5% alone (the baseline), together 42%: "b" rides along on
    # many converting paths but adds almost nothing; the observed game splits {a,b} evenly
    paths = [
        (("a",), 40.0, 60.0),
        (("b",), 5.0, 95.0),
        (("a", "b"), 420.0, 580.0),
        (("b", "a", "b"), 0.0, 0.0),
    ]
    learned = shapley_values(paths)
    observed = observed_shapley_values(paths)
    assert sum(learned.values()) == pytest.approx(465.0)  # every conversion shared out
    assert observed["b"] == pytest.approx(5.0 + 210.0)
    assert learned["a"] > 4 * learned["b"] > 0
    assert learned["b"] < observed["b"] / 2


def test_learned_shapley_falls_back_when_every_path_converts() -> None:
    paths = [(("A", "B"), 2.0, 0.0), (("A",), 1.0, 0.0), (("B", "C"), 3.0, 0.0)]
    assert shapley_values(paths) == pytest.approx(observed_shapley_values(paths))


def test_learned_shapley_splits_each_set_by_exact_shapley_of_the_fitted_game() -> None:
    """Within a converting set, the split is the exact Shapley value of v(S) = σ(b + Σβ): on
    a set of one channel the whole conversion goes to it; symmetric channels split evenly."""
    paths = [
        (("x",), 10.0, 90.0),
        (("y",), 10.0, 90.0),
        (("x", "y"), 30.0, 70.0),
        (("z",), 0.0, 50.0),
    ]
    got = shapley_values(paths)
    assert got["x"] == pytest.approx(got["y"])
    assert got["x"] == pytest.approx(10.0 + 15.0)
    assert got["z"] == 0.0


def test_learned_shapley_many_channels_uses_sampled_orders() -> None:
    chans = [f"c{i}" for i in range(12)]
    paths = [(tuple(chans), 6.0, 4.0), (("c0",), 5.0, 5.0), (("c1",), 1.0, 9.0)]
    got = shapley_values(paths)
    assert sum(got.values()) == pytest.approx(12.0)
    assert got["c0"] > got["c1"]


def _learned_by_definition(
    paths: list[tuple[tuple[str, ...], float, float]], ridge: float
) -> dict[str, float]:
    """The learned Shapley values computed another way: the penalised logistic fit by a generic
    optimiser (scipy), the game's Shapley values by averaging over every order of the players."""
    from scipy.optimize import minimize

    sets: dict[frozenset[str], list[float]] = {}
    for path, conv, null in paths:
        row = sets.setdefault(frozenset(path), [0.0, 0.0])
        row[0] += conv
        row[1] += null
    players = sorted({c for s in sets for c in s})

    def loss(b: list[float]) -> float:
        total = 0.0
        for s, (conv, null) in sets.items():
            z = b[0] + sum(b[1 + players.index(c)] for c in s)
            total += conv * math.log1p(math.exp(-z)) + null * math.log1p(math.exp(z))
        return total + ridge / 2 * sum(x * x for x in b[1:]) + 1e-6 / 2 * b[0] ** 2

    fit = minimize(loss, [0.0] * (len(players) + 1), method="BFGS", options={"gtol": 1e-10})
    b = list(fit.x)

    def v(members: set[str]) -> float:
        return 1 / (1 + math.exp(-(b[0] + sum(b[1 + players.index(c)] for c in members))))

    phi = dict.fromkeys(players, 0.0)
    for s, (conv, _null) in sets.items():
        if conv <= 0:
            continue
        local = dict.fromkeys(s, 0.0)
        for order in permutations(sorted(s)):
            seen: set[str] = set()
            for c in order:
                before = v(seen)
                seen.add(c)
                local[c] += (v(seen) - before) / factorial(len(s))
        floored = {c: max(0.0, x) for c, x in local.items()}
        for c, x in floored.items():
            phi[c] += conv * x / sum(floored.values())
    return phi


def test_learned_shapley_matches_an_independent_fit_and_game() -> None:
    """Three channels with different pulls, overlapping sets of two and three: every figure of
    the learned Shapley values agrees with the fit and the game computed another way."""
    paths = [
        (("a",), 30.0, 70.0),
        (("b",), 8.0, 92.0),
        (("c",), 2.0, 48.0),
        (("a", "b"), 45.0, 55.0),
        (("b", "c"), 6.0, 44.0),
        (("c", "a", "b"), 20.0, 20.0),
    ]
    got = shapley_values(paths)
    assert got == pytest.approx(_learned_by_definition(paths, RIDGE), abs=1e-5)
    assert got["a"] > got["b"] > got["c"] > 0


def _game_shapley_by_subsets(intercept: float, beta: list[float]) -> list[float]:
    """Exact Shapley values of v(S) = σ(intercept + Σ_{i∈S} β_i), by the subset formula
    (weights |S|! (k-|S|-1)! / k!), computed independently of the module."""
    k = len(beta)

    def v(members: tuple[int, ...]) -> float:
        return 1 / (1 + math.exp(-(intercept + sum(beta[i] for i in members))))

    phi = [0.0] * k
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for r in range(k):
            w = factorial(r) * factorial(k - r - 1) / factorial(k)
            for s in combinations(others, r):
                phi[i] += w * (v((*s, i)) - v(s))
    return phi


def test_the_game_split_is_the_exact_shapley_value_by_hand() -> None:
    # v(∅) = σ(0) = 1/2, v({0}) = σ(ln 3) = 3/4, v({1}) = σ(ln 2) = 2/3, v({0,1}) = σ(ln 6) = 6/7.
    # φ0 = ½ (3/4 - 1/2) + ½ (6/7 - 2/3) = 37/168, φ1 = ½ (2/3 - 1/2) + ½ (6/7 - 3/4) = 23/168.
    assert _local_shapley(0.0, [math.log(3), math.log(2)]) == pytest.approx([37 / 168, 23 / 168])
    # a channel that lowers the odds has a negative value, floored at 0: v = 1/2, 3/4, 1/4, 1/2
    assert _local_shapley(0.0, [math.log(3), -math.log(3)]) == pytest.approx([0.25, 0.0])
    beta = [0.3, -0.2, 0.5, 0.05, 1.2, 0.7, 0.9]
    exact = [max(0.0, x) for x in _game_shapley_by_subsets(-1.0, beta)]
    assert exact[1] == 0.0 < min(exact[:1] + exact[2:])
    assert _local_shapley(-1.0, beta) == pytest.approx(exact)


def test_the_game_split_is_exact_up_to_ten_channels() -> None:
    """Ten symmetric players share v(N) - v(∅) exactly evenly (the subset formula); sampled
    orders would leave each a little off."""
    share = (1 / (1 + math.exp(-(-2.0 + 10 * 0.2))) - 1 / (1 + math.exp(2.0))) / 10
    assert _local_shapley(-2.0, [0.2] * 10) == pytest.approx([share] * 10, rel=1e-12)


def test_the_game_split_over_ten_channels_samples_fixed_orders() -> None:
    """Above ten channels, the mean over fixed-seed orders: every order's marginal gains add up
    to v(N) - v(∅), so the values do exactly; each lies near the exact value; the same input
    gives the same values every time."""
    beta = [0.1 * (i + 1) for i in range(11)]
    got = _local_shapley(-2.0, beta)
    whole = 1 / (1 + math.exp(-(-2.0 + sum(beta)))) - 1 / (1 + math.exp(2.0))
    assert sum(got) == pytest.approx(whole, rel=1e-12)
    assert got == pytest.approx(_game_shapley_by_subsets(-2.0, beta), abs=0.02)
    assert _local_shapley(-2.0, beta) == got


def test_learned_shapley_goes_past_sets_that_never_convert() -> None:
    """A set without conversions, seen first, does not stop the sharing of the sets after it."""
    paths = [
        (("z",), 0.0, 50.0),
        (("x",), 10.0, 90.0),
        (("x", "y"), 30.0, 70.0),
    ]
    got = shapley_values(paths)
    assert sum(got.values()) == pytest.approx(40.0)
    assert got == pytest.approx(shapley_values(paths[::-1]))
    assert got["z"] == 0.0 and got["x"] > got["y"] > 0


def test_learned_shapley_shares_a_set_evenly_when_no_member_raises_conversion() -> None:
    """y and w each lower the conversion rate (their coefficients are negative), so in the set
    {y, w} neither has a positive value: its conversions are shared evenly, and all are kept."""
    paths = [
        (("x",), 50.0, 50.0),
        (("y",), 2.0, 98.0),
        (("w",), 2.0, 98.0),
        (("y", "w"), 4.0, 196.0),
    ]
    assert _local_shapley(*_fit_presence_logit_for(paths, ["w", "y"])) == [0.0, 0.0]
    got = shapley_values(paths)
    assert sum(got.values()) == pytest.approx(58.0)
    assert got == pytest.approx({"x": 50.0, "y": 2.0 + 2.0, "w": 2.0 + 2.0})


def _fit_presence_logit_for(
    paths: list[tuple[tuple[str, ...], float, float]], members: list[str]
) -> tuple[float, list[float]]:
    from seedtrail.attribution.datadriven import _by_set, _fit_presence_logit

    by_set, channels = _by_set(paths)
    fit = _fit_presence_logit(by_set, sorted(channels))
    assert fit is not None
    return fit[0], [fit[1][c] for c in members]


def test_learned_shapley_learns_from_a_single_conversion() -> None:
    """One conversion in all is enough to fit the model: of the converting pair, the channel
    that failed once alone earns more than the one that failed ten times alone (the observed
    game would split the pair evenly)."""
    paths = [(("a", "b"), 1.0, 0.0), (("b",), 0.0, 10.0), (("a",), 0.0, 1.0)]
    got = shapley_values(paths)
    assert sum(got.values()) == pytest.approx(1.0)
    assert got["a"] > 0.5 > got["b"] > 0
    assert observed_shapley_values(paths) == {"a": 0.5, "b": 0.5}


def test_learned_shapley_learns_up_to_the_channel_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The value function is learnt for up to MAX_LEARNED_CHANNELS channels (inclusive); with
    one more, each set's conversions are shared evenly."""
    paths = [(("a", "b"), 1.0, 0.0), (("b",), 0.0, 10.0), (("a",), 0.0, 1.0)]
    monkeypatch.setattr(datadriven, "MAX_LEARNED_CHANNELS", 2)
    assert shapley_values(paths)["a"] > 0.5
    monkeypatch.setattr(datadriven, "MAX_LEARNED_CHANNELS", 1)
    assert shapley_values(paths) == {"a": 0.5, "b": 0.5}

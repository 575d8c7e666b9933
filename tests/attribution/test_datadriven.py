"""Markov removal effects and Shapley values on paths small enough to solve by hand."""

from __future__ import annotations

import math
from itertools import permutations
from math import factorial

import pytest

from seedtrail.attribution.datadriven import (
    RIDGE,
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


def test_markov_never_converting() -> None:
    assert markov_removal_effects([(("A",), 0.0, 2.0), ((), 1.0, 0.0)]) == {"A": 0.0}


def test_markov_state_limit() -> None:
    paths = [((f"c{i}", f"c{j}"), 1.0, 0.0) for i in range(150) for j in range(150)]
    with pytest.raises(InvalidInput, match="states"):
        markov_removal_effects(paths, order=2)


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

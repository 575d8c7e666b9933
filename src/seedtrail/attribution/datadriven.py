"""Channel weights learnt from paths: Markov removal effect and Shapley values.

Both take path counts ``(channels in order, conversions, non-conversions)`` computed by an engine
and return one weight per channel; the engine then splits each conversion over its touches in
proportion to their channels' weights (see :mod:`seedtrail.attribution.models`).

* Markov (order k): states are the last k channels seen; a chain starts in ``start`` and ends in
  ``conversion`` or ``null``. The removal effect of channel c is ``1 - P(conv | c removed) /
  P(conv)``, where removing c sends every state containing c to ``null``. Solved exactly (a
  linear system), not simulated.
* Shapley with a learned value function: a ridge-regularised logistic model of conversion on the
  set of channels a path holds (one coefficient per channel, fitted by Newton's method on the
  distinct channel sets with their conversion and non-conversion counts) gives ``v(S) = σ(b +
  Σ_{c∈S} β_c)``, the conversion probability of a journey holding exactly the channels S. Each
  converting set's conversions are shared over its channels by their Shapley values in that game
  restricted to the set (exact over its subsets up to :data:`EXACT_CHANNELS` channels, else the
  mean over :data:`PERMUTATIONS` fixed-seed orders), so a channel present in many converting paths
  that does not raise the conversion rate earns little. When the model cannot tell channels apart
  (every path converts, or more than :data:`MAX_LEARNED_CHANNELS` channels), each set's
  conversions are shared equally, the closed form ``φ_c = Σ_{A ∋ c} conv(A) / |A|`` of the
  observed game ``v(S) = conversions whose channel set ⊆ S`` (:func:`observed_shapley_values`).
  Checked against an outside generator with known channel importance (``bench/shapley_outside.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from math import factorial

import numpy as np

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

PathCount = tuple[Sequence[str], float, float]
MAX_STATES = 20_000
RIDGE = 0.3  # L2 penalty on the channel coefficients of the learned value function
MAX_LEARNED_CHANNELS = 500
EXACT_CHANNELS = 10
PERMUTATIONS = 256

_START: tuple[str, ...] = ("<start>",)


def _states(path: Sequence[str], order: int) -> list[tuple[str, ...]]:
    return [tuple(path[max(0, i - order + 1) : i + 1]) for i in range(len(path))]


def markov_removal_effects(paths: Iterable[PathCount], order: int = 1) -> dict[str, float]:
    """Removal effect per channel (0 when the chain never converts)."""
    counts: dict[tuple[str, ...], dict[tuple[str, ...] | str, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    channels: set[str] = set()
    for path, conv, null in paths:
        if not path:
            continue
        channels.update(path)
        seq: list[tuple[str, ...]] = [_START, *_states(path, order)]
        for a, b in pairwise(seq):
            counts[a][b] += conv + null
        counts[seq[-1]]["conversion"] += conv
        counts[seq[-1]]["null"] += null
    states = sorted(counts, key=lambda s: (s != _START, s))
    if len(states) > MAX_STATES:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.markov_states",
                {"order": order, "states": len(states), "limit": MAX_STATES},
            )
        )
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    q = np.zeros((n, n))
    r = np.zeros(n)
    for s, outs in counts.items():
        total = sum(outs.values())
        if total <= 0:
            continue
        for dest, c in outs.items():
            if isinstance(dest, tuple):
                q[index[s], index[dest]] += c / total
            elif dest == "conversion":
                r[index[s]] += c / total

    def p_conv(removed: str | None) -> float:
        qq, rr = q.copy(), r.copy()
        if removed is not None:
            gone = [index[s] for s in states if removed in s]
            qq[gone, :] = 0.0
            rr[gone] = 0.0
            qq[:, gone] = 0.0
        return float(np.linalg.solve(np.eye(n) - qq, rr)[index[_START]])

    base = p_conv(None)
    if base <= 0:
        return dict.fromkeys(sorted(channels), 0.0)
    return {c: max(0.0, 1.0 - p_conv(c) / base) for c in sorted(channels)}


def observed_shapley_values(paths: Iterable[PathCount]) -> dict[str, float]:
    """Shapley value per channel of the 'conversions whose channel set ⊆ S' game."""
    by_set, channels = _by_set(paths)
    phi = dict.fromkeys(sorted(channels), 0.0)
    for members, (conv, _null) in by_set.items():
        for c in members:
            phi[c] += conv / len(members)
    return phi


def shapley_values(paths: Iterable[PathCount]) -> dict[str, float]:
    """Per channel, the conversions it earns: each converting channel set's conversions shared
    by the Shapley values of its channels under the learned value function (module docstring).
    The values sum to the conversions on non-empty paths."""
    by_set, channels = _by_set(paths)
    order = sorted(channels)
    coef = _fit_presence_logit(by_set, order)
    if coef is None:
        return observed_shapley_values([(tuple(s), c, n) for s, (c, n) in by_set.items()])
    intercept, beta = coef
    phi = dict.fromkeys(order, 0.0)
    for members, (conv, _null) in by_set.items():
        if conv <= 0:
            continue
        ms = sorted(members)
        local = _local_shapley(intercept, [beta[c] for c in ms])
        total = sum(local)
        for c, x in zip(ms, local, strict=True):
            phi[c] += conv * (x / total if total > 0 else 1.0 / len(ms))
    return phi


def _by_set(
    paths: Iterable[PathCount],
) -> tuple[dict[frozenset[str], tuple[float, float]], set[str]]:
    """Conversions and non-conversions per distinct non-empty channel set, and every channel."""
    acc: dict[frozenset[str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    channels: set[str] = set()
    for path, conv, null in paths:
        channels.update(path)
        if path:
            row = acc[frozenset(path)]
            row[0] += conv
            row[1] += null
    return {s: (c, n) for s, (c, n) in acc.items()}, channels


def _fit_presence_logit(
    by_set: dict[frozenset[str], tuple[float, float]], channels: list[str]
) -> tuple[float, dict[str, float]] | None:
    """Ridge logistic regression of conversion on channel presence, fitted on the set counts;
    None when it cannot separate the channels (no non-conversions or no conversions, too many
    channels)."""
    sets = list(by_set)
    conv = np.array([by_set[s][0] for s in sets])
    total = conv + np.array([by_set[s][1] for s in sets])
    if not 0 < conv.sum() < total.sum() or not 0 < len(channels) <= MAX_LEARNED_CHANNELS:
        return None
    index = {c: i + 1 for i, c in enumerate(channels)}
    x = np.zeros((len(sets), len(channels) + 1))
    x[:, 0] = 1.0
    for r, s in enumerate(sets):
        x[r, [index[c] for c in s]] = 1.0
    pen = np.full(len(channels) + 1, RIDGE)
    pen[0] = 1e-6
    b = np.zeros(len(channels) + 1)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ b)))
        grad = x.T @ (conv - total * p) - pen * b
        hess = (x * (total * p * (1.0 - p))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        b += step
        if float(np.abs(step).max()) < 1e-10:
            break
    return float(b[0]), {c: float(b[index[c]]) for c in channels}


def _local_shapley(intercept: float, beta: list[float]) -> list[float]:
    """Shapley values (floored at 0) of the players of ``v(S) = σ(intercept + Σ_{i∈S} β_i)``."""
    k = len(beta)

    def v(members: Iterable[int]) -> float:
        return float(1.0 / (1.0 + np.exp(-(intercept + sum(beta[i] for i in members)))))

    phi = [0.0] * k
    if k <= EXACT_CHANNELS:
        masks = np.arange(1 << k)
        bits = (masks[:, None] >> np.arange(k)) & 1
        vals = 1.0 / (1.0 + np.exp(-(intercept + bits @ np.array(beta))))
        sizes = bits.sum(axis=1)
        weights = np.array([factorial(r) * factorial(k - r - 1) / factorial(k) for r in range(k)])
        for i in range(k):
            without = masks[bits[:, i] == 0]
            gain = vals[without | (1 << i)] - vals[without]
            phi[i] = float((weights[sizes[without]] * gain).sum())
    else:
        rng = np.random.default_rng(0)
        for _ in range(PERMUTATIONS):
            seen: list[int] = []
            before = v(seen)
            for i in rng.permutation(k):
                seen.append(int(i))
                after = v(seen)
                phi[int(i)] += (after - before) / PERMUTATIONS
                before = after
    return [max(0.0, x) for x in phi]

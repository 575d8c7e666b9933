"""Channel weights learnt from paths: Markov removal effect and Shapley values.

Both take path counts ``(channels in order, conversions, non-conversions)`` computed by an engine
and return one weight per channel; the engine then splits each conversion over its touches in
proportion to their channels' weights (see :mod:`seedtrail.attribution.models`).

* Markov (order k): states are the last k channels seen; a chain starts in ``start`` and ends in
  ``conversion`` or ``null``. The removal effect of channel c is ``1 - P(conv | c removed) /
  P(conv)``, where removing c sends every state containing c to ``null``. Solved exactly (a
  linear system), not simulated.
* Shapley: the characteristic function ``v(S)`` counts conversions whose path's channel set is a
  subset of S. For such a game the Shapley value has the closed form ``φ_c = Σ_{A ∋ c} conv(A) /
  |A|`` over distinct channel sets A (each set's conversions shared equally by its channels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

from seedtrail.core.errors import InvalidInput

PathCount = tuple[Sequence[str], float, float]
MAX_STATES = 20_000

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
            f"markov order {order} gives {len(states)} states (limit {MAX_STATES}); "
            "use a lower order or a coarser channel dimension"
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


def shapley_values(paths: Iterable[PathCount]) -> dict[str, float]:
    """Shapley value per channel of the 'conversions whose channel set ⊆ S' game."""
    by_set: dict[frozenset[str], float] = defaultdict(float)
    channels: set[str] = set()
    for path, conv, _null in paths:
        channels.update(path)
        if path and conv:
            by_set[frozenset(path)] += conv
    phi = dict.fromkeys(sorted(channels), 0.0)
    for members, conv in by_set.items():
        for c in members:
            phi[c] += conv / len(members)
    return phi

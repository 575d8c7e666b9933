"""DP release through OpenDP: a Laplace threshold picks which finest cells appear, Laplace noise
goes on every released count and clamped sum, and roll-ups are sums of noisy cells (so they add
up, and cost nothing more: post-processing).

Privacy accounting for one report of budget ``epsilon``: half goes to choosing cells
(``then_laplace_threshold`` over people counts, with the threshold set so delta stays under the
configured bound; the chosen cells' noisy counts come with it), the other half is split evenly
over the measures' Laplace noise and the people count of ``other``. A person
contributes to at most ``max_rows_per_person`` cells (``cells`` enforces it) and each row's
measure is clamped, which gives the sensitivities. Cells not chosen are merged into one noisy
``other`` cell at the first level, so the campaign total stays complete.
"""

from __future__ import annotations

import json
from typing import Any

from seedtrail.cleanroom.cells import Cell, Key
from seedtrail.cleanroom.release import OTHER, Release, ReleasedCell
from seedtrail.cleanroom.templates import ReportRequest, ReportTemplate
from seedtrail.core.extras import require


def _dp() -> Any:
    dp = require("opendp.prelude", "dp")

    dp.enable_features("contrib")
    return dp


def _threshold_for(dp: Any, scale: float, bound: int, delta: float) -> tuple[Any, float]:
    """The smallest threshold whose Laplace-threshold measurement keeps delta <= ``delta``."""
    space = (
        dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=float, nan=False)),
        dp.l01inf_distance(dp.absolute_distance(T=float)),
    )
    d_in = (bound, float(bound), 1.0)
    lo, hi = 1.0, 1.0
    while (space >> dp.m.then_laplace_threshold(scale=scale, threshold=hi)).map(d_in)[1] > delta:
        lo, hi = hi, hi * 2
    for _ in range(40):
        mid = (lo + hi) / 2
        if (space >> dp.m.then_laplace_threshold(scale=scale, threshold=mid)).map(d_in)[1] > delta:
            lo = mid
        else:
            hi = mid
    return space >> dp.m.then_laplace_threshold(scale=scale, threshold=hi), hi


def release_dp(
    finest: dict[Key, Cell],
    spec: ReportTemplate,
    request: ReportRequest,
    *,
    epsilon: float,
    delta: float,
) -> Release:
    dp = _dp()
    bound = spec.max_rows_per_person
    selector, threshold = _threshold_for(dp, 2.0 * bound / epsilon, bound, delta)
    # The other half: one share per measure, one for the people count of ``other``.
    share = epsilon / 2.0 / (len(spec.measures) + 1)
    counts = {json.dumps(list(k)): float(len(c.people)) for k, c in finest.items()}
    chosen: dict[str, float] = selector(counts) if counts else {}
    noisers = {
        m.name: dp.m.make_laplace(
            dp.atom_domain(T=float, nan=False),
            dp.absolute_distance(T=float),
            scale=bound * m.clamp / share,
        )
        for m in spec.measures
    }
    leaves: list[ReleasedCell] = []
    rest = Cell()
    for key, cell in sorted(finest.items()):
        noisy_people = chosen.get(json.dumps(list(key)))
        if noisy_people is None:
            rest.add(cell)
            continue
        leaves.append(ReleasedCell(key, max(0.0, round(noisy_people)), _noisy(noisers, cell)))
    if spec.levels:  # always present, so its existence says nothing
        people_noise = dp.m.make_laplace(
            dp.atom_domain(T=float, nan=False),
            dp.absolute_distance(T=float),
            scale=1.0 / share,
        )
        other_key = (OTHER,)
        leaves.append(
            ReleasedCell(
                other_key,
                max(0.0, round(people_noise(float(len(rest.people))))),
                _noisy(noisers, rest),
            )
        )
    cells = _roll_up(leaves, len(spec.levels))
    rule = {
        "mode": "dp",
        "epsilon": epsilon,
        "delta": delta,
        "threshold": round(threshold, 2),
        "noise_scale": {m.name: bound * m.clamp / share for m in spec.measures},
    }
    return Release(spec, request, tuple(cells), rule)


def _noisy(noisers: dict[str, Any], cell: Cell) -> dict[str, float]:
    return {
        name: max(0.0, round(float(fn(cell.sums.get(name, 0.0))), 2))
        for name, fn in noisers.items()
    }


def _roll_up(leaves: list[ReleasedCell], depth: int) -> list[ReleasedCell]:
    """Parents as sums of their noisy children, ordered parent first."""
    totals: dict[Key, ReleasedCell] = {}
    for leaf in leaves:
        for d in range(0, len(leaf.key)):
            prefix = leaf.key[:d]
            prev = totals.get(prefix)
            people = leaf.people + (prev.people if prev else 0.0)
            sums = {n: v + (prev.sums.get(n, 0.0) if prev else 0.0) for n, v in leaf.sums.items()}
            totals[prefix] = ReleasedCell(prefix, people, sums)
    if depth == 0:
        return leaves
    full = {**totals, **{leaf.key: leaf for leaf in leaves}}
    return [full[k] for k in sorted(full)]  # tuples sort parent first (pre-order)

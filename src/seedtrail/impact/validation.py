"""Validation of the estimator on changes whose true effect is known.

Two independent sources of panels:

* :func:`synthetic_change`: a small generator of daily panels (units with their own scale, a
  common weekday swing and a common AR(1) shock, each unit's own AR(1) shock, Poisson or
  gamma-noised figures) in which a random set of units gets a known relative effect from a random
  day on. Its truth is the expected change per day given every shock.
* :func:`world_change`: a world from ``seedtrail sim`` read through the attribution views, whose
  real daily clicks or shop GMV per category get a change injected: from a random day, each event
  of the touched categories is dropped with a known probability (links closed) or duplicated
  (links opened). Its truth is the realized change per day; the noise is the simulator's own.

:func:`coverage` runs the estimator over many and counts how often its interval holds the truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.impact import did, panel


@dataclass(frozen=True)
class Trial:
    source: str
    outcome: str
    truth: float
    estimate: did.Estimate

    @property
    def covered(self) -> bool:
        return self.estimate.covers(self.truth)


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], rho: float, sd: float) -> np.ndarray:
    eps = rng.normal(0.0, sd, shape)
    out = np.empty(shape)
    out[..., 0] = eps[..., 0] / np.sqrt(1 - rho**2)
    for t in range(1, shape[-1]):
        out[..., t] = rho * out[..., t - 1] + eps[..., t]
    return out


def synthetic_change(rng: np.random.Generator, level: float = 0.9) -> Trial:
    """One simulated change on a generated panel; its truth is known by construction."""
    units, days = int(rng.integers(4, 11)), int(rng.integers(28, 61))
    start = int(rng.integers(int(0.4 * days), int(0.7 * days)))
    scale = rng.lognormal(np.log(rng.choice([20.0, 200.0, 5000.0])), 0.6, units)
    week = rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * (np.arange(days) + rng.integers(7)) / 7)
    common = week + _ar1(rng, (days,), 0.5, 0.08)
    own = _ar1(rng, (units, days), rng.uniform(0.0, 0.5), rng.uniform(0.02, 0.12))
    mu = scale[:, None] * np.exp(common[None, :] + own)
    treated = rng.choice(units, int(rng.integers(1, max(2, units // 2) + 1)), replace=False)
    rel = rng.uniform(-0.6, 0.3)
    lift = np.ones((units, days))
    lift[treated, start:] = 1 + rel
    mean = mu * lift
    counts = rng.random() < 0.5  # else money: gamma noise around the mean (CV 0.3)
    y = rng.poisson(mean).astype(float) if counts else rng.gamma(1 / 0.09, mean * 0.09)
    truth = float((mu[treated, start:] * rel).sum(axis=0).mean())
    mask = np.zeros(units, bool)
    mask[treated] = True
    est = did.estimate(y[mask].sum(0), y[~mask].sum(0), start, level, y[~mask])
    return Trial("synthetic", "counts" if counts else "money", truth, est)


def world_events(world: Path, outcome: panel.Outcome) -> pa.Table:
    """A simulated world's click or order events through the attribution views."""
    from seedtrail.attribution.world import WorldDir, register

    con = duckdb.connect()
    try:
        register(con, WorldDir(world))
        table = panel.events(con, outcome)  # in a fixed order: the injected draws follow rows
        return table.sort_by([(c, "ascending") for c in ("day", "partner", "category", "value")])
    finally:
        con.close()


def world_change(table: pa.Table, outcome: str, rng: np.random.Generator, level: float) -> Trial:
    """Inject a known change into a world's events (see the module docstring) and estimate it."""
    cats = sorted({c for c in table.column("category").to_pylist() if c is not None})
    base = panel.daily(table, outcome, "category")
    n_days = len(base.days)
    start = int(rng.integers(int(0.4 * n_days), int(0.7 * n_days)))
    chosen = set(rng.choice(cats, int(rng.integers(1, max(2, len(cats) // 3) + 1)), False))
    share = float(rng.uniform(0.2, 0.9))
    opening = bool(rng.random() < 0.3)
    after = pc.greater_equal(table.column("day"), pa.scalar(base.days[start]))
    hit = pc.and_(after, pc.is_in(table.column("category"), pa.array(sorted(chosen))))
    hit = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), bool)
    draw = rng.random(len(hit)) < share
    if opening:  # more events: the touched events are copied with probability `share`
        changed = pa.concat_tables([table, table.filter(pa.array(hit & draw))])
    else:  # fewer: each touched event is dropped with probability `share`
        changed = table.filter(pa.array(~(hit & draw)))
    now = panel.daily(changed, outcome, "category", base.days[0], base.days[-1])
    before = panel.daily(table, outcome, "category", base.days[0], base.days[-1])
    return _did_trial("world", before, now, chosen, start, level)


def _did_trial(
    source: str, before: panel.Panel, after: panel.Panel, chosen: set[str], start: int, level: float
) -> Trial:
    """The estimate of a change to the ``chosen`` units from day index ``start`` on, read from
    ``after`` alone (the other units as controls); its truth is the mean change per day from
    ``before`` (the same units and days without the change)."""
    truth = float((after.series(chosen) - before.series(chosen))[start:].mean())
    others = set(after.units) - chosen
    rows = np.array([u in others for u in after.units])
    est = did.estimate(after.series(chosen), after.series(others), start, level, after.values[rows])
    return Trial(source, after.outcome, truth, est)


def coverage(trials: Iterable[Trial]) -> tuple[float, int, list[Trial]]:
    done = list(trials)
    hits = sum(t.covered for t in done)
    return (hits / len(done) if done else float("nan")), len(done), done


@dataclass(frozen=True)
class Worlds:
    """The ``seedtrail sim`` worlds trials run on: scale tiny, ``days`` days, one per seed of
    ``seeds``, written under ``workdir`` (a world already there is reused)."""

    seeds: Iterable[int]
    workdir: Path
    days: int = 30

    def world(self, seed: int) -> Path:
        from seedtrail.sim.runner import generate
        from seedtrail.sim.spec import spec_from_mapping

        out = self.workdir / f"world-{seed}"
        if not (out / "manifest.json").exists():
            generate(spec_from_mapping({"base": "tiny", "days": self.days}), seed, out)
        return out


def world_trials(
    worlds: Worlds, per_world: int, rng: np.random.Generator, level: float = 0.9
) -> list[Trial]:
    """``per_world`` injected changes per outcome on each of ``worlds``."""
    trials: list[Trial] = []
    for seed in worlds.seeds:
        out = worlds.world(seed)
        for outcome in panel.OUTCOMES:
            table = world_events(out, outcome)
            trials += [world_change(table, outcome, rng, level) for _ in range(per_world)]
    return trials


def response_trials(
    worlds: Worlds, per_world: int, rng: np.random.Generator, level: float = 0.9
) -> list[Trial]:
    """Links of a random category closed from a random day in ``worlds`` that respond to it
    (:mod:`seedtrail.sim.responses`: self-search, diversion, moved spend...). The estimate reads
    only the world with the closure; its truth is the same world (same seed, same people)
    without it."""
    from seedtrail.sim import responses

    days = worlds.days
    workdir = worlds.workdir
    trials: list[Trial] = []
    for seed in worlds.seeds:
        base = worlds.world(seed)
        before = {o: world_events(base, o) for o in panel.OUTCOMES}
        cats = sorted({c for c in before["clicks"].column("category").to_pylist() if c})
        for k in range(per_world):
            cat = str(rng.choice(cats))
            first = int(rng.integers(int(0.4 * days), int(0.7 * days)))
            out = workdir / f"world-{seed}-closed-{k}"
            closure = responses.Closure(first, days, category=cat)
            responses.apply(base, out, closure, responses.ResponseParams(), seed)
            for outcome in panel.OUTCOMES:
                trials.append(
                    _closed_trial(
                        before[outcome], world_events(out, outcome), outcome, cat, first, level
                    )
                )
    return trials


def _closed_trial(
    without: pa.Table, with_: pa.Table, outcome: str, cat: str, first: int, level: float
) -> Trial:
    a = panel.daily(without, outcome, "category")
    b = panel.daily(with_, outcome, "category", a.days[0], a.days[-1])
    day0 = a.days[0]
    start = next(i for i, d in enumerate(a.days) if (d - day0).days >= first)
    if set(b.units) != set(a.units):  # a unit with no events left: keep its row of zeros
        b = panel.Panel(
            outcome, "category", a.units, a.days, np.array([b.series({u}) for u in a.units])
        )
    return _did_trial("responses", a, b, {cat}, start, level)

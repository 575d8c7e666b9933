"""How partners send conversions back: user-level sampling at the declared rate, and faults.

Faults: most events arrive within a minute; a share arrive late (hours to days); a share are
delivered twice (same ``event_id``); one partner goes silent for ``gap_hours`` (everything that
would have arrived in the window is lost, the way missing backhaul skewed 小红星 in 2023). Events
that would arrive after the world ends are not delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.sim.population import Population
from seedtrail.sim.spec import PARTNERS, WorldSpec
from seedtrail.sim.streams import stream
from seedtrail.sim.world import US_PER_DAY

DELIVERED, SAMPLED_OUT, LOST_IN_GAP, NOT_YET = range(4)
GAP_PARTNER = "jd"
US_PER_S = 1_000_000


@dataclass(frozen=True)
class Gap:
    partner: int
    start_us: int
    end_us: int


def plan_gap(spec: WorldSpec, start_us: int, seed: int) -> Gap:
    rng = stream(seed, "gap")
    day = int(rng.integers(spec.days // 3, max(spec.days // 3 + 1, spec.days - 1)))
    begin = start_us + day * US_PER_DAY + int(rng.integers(6, 14)) * 3_600 * US_PER_S
    slug_index = [p.slug for p in PARTNERS].index(GAP_PARTNER)
    return Gap(slug_index, begin, begin + int(spec.gap_hours * 3_600 * US_PER_S))


@dataclass(frozen=True)
class Delivery:
    received_at: np.ndarray
    state: np.ndarray  # int8 code into schemas.DELIVERY_STATES
    late: np.ndarray  # bool
    duplicate_rows: np.ndarray  # rows delivered a second time
    duplicate_received_at: np.ndarray


def deliver(
    spec: WorldSpec,
    pop: Population,
    gap: Gap,
    end_us: int,
    viewer: np.ndarray,
    partner: np.ndarray,
    ts: np.ndarray,
    rng: np.random.Generator,
) -> Delivery:
    n = len(viewer)
    keep = np.ones(n, dtype=bool)
    for p, ps in enumerate(PARTNERS):
        rows = partner == p
        if ps.sample_rate < 1.0 and rows.any():
            unit = pop.shops[ps.slug].sample_unit(viewer[rows])
            keep[rows] = unit < ps.sample_rate
    received = ts + (1 + rng.exponential(30.0, n)).astype(np.int64) * US_PER_S
    late = rng.random(n) < spec.late_share
    late_by = np.exp(np.log(20 * 3_600.0) + 0.8 * rng.standard_normal(int(late.sum())))
    received[late] += (late_by * US_PER_S).astype(np.int64)
    in_gap = (partner == gap.partner) & (received >= gap.start_us) & (received < gap.end_us)
    state = np.full(n, DELIVERED, dtype=np.int8)
    state[received >= end_us] = NOT_YET
    state[in_gap] = LOST_IN_GAP
    state[~keep] = SAMPLED_OUT
    dup = np.flatnonzero((state == DELIVERED) & (rng.random(n) < spec.duplicate_share))
    dup_at = received[dup] + rng.integers(60, 6 * 3_600, len(dup)) * US_PER_S
    ok = (dup_at < end_us) & ~(
        (partner[dup] == gap.partner) & (dup_at >= gap.start_us) & (dup_at < gap.end_us)
    )
    return Delivery(received, state, late & (state == DELIVERED), dup[ok], dup_at[ok])

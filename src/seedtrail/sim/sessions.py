"""Live sessions (直播): when each brand goes live, planned with the world's entities (the
traffic in them is :mod:`seedtrail.sim.live`'s)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.sim.spec import WorldSpec

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
SESSION_US = 2 * US_PER_HOUR


@dataclass(frozen=True)
class Sessions:
    """Every live session: its link's mount id, offer index, brand account and time window."""

    mount: np.ndarray
    offer: np.ndarray
    account: np.ndarray
    start_us: np.ndarray
    end_us: np.ndarray

    @classmethod
    def none(cls) -> Sessions:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, empty, empty)


def plan_sessions(
    spec: WorldSpec,
    brand_ids: np.ndarray,
    of_brand: list[list[int]],
    first_mount: int,
    t0: int,
    rng: np.random.Generator,
) -> Sessions:
    """The brands' sessions (mount ids from ``first_mount`` on), in brand order."""
    n = len(brand_ids) * spec.live_sessions
    brand = np.repeat(np.arange(len(brand_ids)), spec.live_sessions)
    day = rng.integers(0, spec.days, n)
    hour = rng.integers(11, 14, n)  # 19:00 to 21:00 in China, the evening peak
    start = t0 + day * US_PER_DAY + hour * US_PER_HOUR
    return Sessions(
        mount=first_mount + np.arange(n, dtype=np.int64),
        offer=np.array([of_brand[b][-1] for b in brand], dtype=np.int64),
        account=brand_ids[brand],
        start_us=start,
        end_us=start + SESSION_US,
    )

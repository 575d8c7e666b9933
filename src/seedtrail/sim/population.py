"""Viewers: activity, interests, holdout assignment and pseudonymous keys.

Keys are affine bijections of the viewer index modulo 2**40, different per side (community, each
shop), so they never collide, look unrelated across sides, and cost nothing to store. The
community's own shop (kind ``own_shop``) is the community's side: its customers are its users,
known by their community keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.holdout import holdout_mask
from seedtrail.sim.spec import CATEGORIES, PARTNERS, WorldSpec
from seedtrail.sim.streams import stream

KEY_SPACE = 1 << 40
VIEWER_ACCOUNT_BASE = 1_000_000_000  # viewer i authors comments as account VIEWER_ACCOUNT_BASE + i
COMMUNITY_PREFIX = "cv"
SHOP_ONLY_SHARE = 0.15


@dataclass(frozen=True)
class KeyScheme:
    multiplier: int
    offset: int
    prefix: str

    def ints(self, index: np.ndarray) -> np.ndarray:
        idx = index.astype(np.uint64)
        mixed = idx * np.uint64(self.multiplier) + np.uint64(self.offset)
        return (mixed & np.uint64(KEY_SPACE - 1)).astype(np.int64)

    def strings(self, index: np.ndarray) -> pa.Array:
        digits = pc.cast(pa.array(self.ints(index)), pa.string())
        return pc.binary_join_element_wise(self.prefix + "_", digits, "")

    def sample_unit(self, index: np.ndarray) -> np.ndarray:
        """A uniform number in [0, 1) per viewer, stable across runs: user-level sampling."""
        h = (self.ints(index).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
        return h.astype(np.float64) / float(1 << 53)


@dataclass(frozen=True)
class Population:
    n: int
    activity: np.ndarray  # float64 relative activity, heavy-tailed
    home_category: np.ndarray  # int8 code into CATEGORIES
    holdout: np.ndarray  # bool: never shown boosted impressions (seedtrail.holdout's rule)
    community: KeyScheme
    shops: dict[str, KeyScheme]

    @property
    def activity_cdf(self) -> np.ndarray:
        c = np.cumsum(self.activity)
        return c / float(c[-1])

    def exposed_cdf(self) -> np.ndarray:
        """Activity CDF restricted to viewers outside the holdout."""
        c = np.cumsum(np.where(self.holdout, 0.0, self.activity))
        return c / float(c[-1])


def _scheme(seed: int, name: str, prefix: str) -> KeyScheme:
    rng = stream(seed, "keys", *name.encode())
    mult = int(rng.integers(1 << 20, 1 << 39)) * 2 + 1
    return KeyScheme(mult % KEY_SPACE, int(rng.integers(0, KEY_SPACE)), prefix)


def build_population(spec: WorldSpec, seed: int) -> Population:
    rng = stream(seed, "population")
    activity = rng.lognormal(0.0, 1.1, spec.viewers)
    activity[rng.random(spec.viewers) < SHOP_ONLY_SHARE] = 0.0  # buyers who never browse notes
    home = rng.integers(0, len(CATEGORIES), spec.viewers).astype(np.int8)
    community = _scheme(seed, "community", COMMUNITY_PREFIX)
    keys = community.strings(np.arange(spec.viewers, dtype=np.int64))
    return Population(
        n=spec.viewers,
        activity=activity,
        home_category=home,
        # the same rule a deployment's boost server applies to its users' keys
        holdout=holdout_mask(keys, spec.holdout_share, spec.holdout_salt),
        community=community,
        # the community's own shop knows its buyers by the community's own user keys
        shops={
            p.slug: community if p.kind == "own_shop" else _scheme(seed, p.slug, p.key_prefix)
            for p in PARTNERS
        },
    )

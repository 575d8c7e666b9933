"""Search traffic: people who search see a brand's card in the results (搜索品专) and some tap it.

Each chunk of a day draws its search views from its own random stream (``search``, day, part),
after everything else the chunk draws, so the notes' traffic is the same with or without it. A
view is a community event of kind ``search_view`` on the ``search_card`` placement, with no note;
a tap is a click on the brand's search-card link (``events/clicks.parquet``, replayed through the
redirect by ``sim load``) and the app's ``click`` event for it. Searchers mostly look for brands of
their home category. Search taps lead to no purchases in the world (its shops convert note
traffic only), so the figures they move are views, taps and counted clicks per placement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.behaviour import _times
from seedtrail.sim.events import card_front_table, codes, ids, nullable, ts
from seedtrail.sim.population import Population
from seedtrail.sim.spec import PARTNERS
from seedtrail.sim.world import US_PER_DAY, World

SEARCH_VIEW = schemas.FRONT_KINDS.index("search_view")
PLACEMENT = "search_card"


@dataclass(frozen=True)
class SearchCards:
    """Each brand's search-card link: its mount id and offer index, by brand index."""

    mount: np.ndarray
    offer: np.ndarray

    @classmethod
    def of(cls, world: World) -> SearchCards:
        m = world.link_mounts
        rows = [i for i, p in enumerate(m.column("placement").to_pylist()) if p == PLACEMENT]
        by_account = {int(m.column("account_id")[i].as_py()): i for i in rows}
        mount = m.column("mount_id").to_numpy()
        picked = [by_account.get(int(a), -1) for a in world.brand_ids.tolist()]
        return cls(
            np.array([mount[i] if i >= 0 else -1 for i in picked], dtype=np.int64),
            np.array([world.mount_offer[mount[i] - 1] if i >= 0 else -1 for i in picked]),
        )


@dataclass
class Search:
    viewer: np.ndarray
    brand: np.ndarray  # brand index
    ts: np.ndarray
    tapped: np.ndarray  # bool per view


def simulate_search(
    world: World,
    pop: Population,
    cards: SearchCards,
    rng: np.random.Generator,
    day: int,
    parts: int,
    activity_cdf: np.ndarray,
) -> Search:
    """One part of a day's search views on brands' cards, and which of them were tapped."""
    spec = world.spec
    day_start = world.start_us + day * US_PER_DAY
    daily = spec.viewers * spec.daily_active_share * spec.search_views_per_active_viewer
    with_card = np.flatnonzero(cards.mount >= 0)
    n = int(rng.poisson(daily / parts)) if len(with_card) else 0
    viewer = np.minimum(np.searchsorted(activity_cdf, rng.random(n), side="right"), pop.n - 1)
    brand = with_card[rng.integers(0, max(len(with_card), 1), n)]
    home = pop.home_category[viewer]
    at_home = rng.random(n) < 0.7  # most searches are for a brand of the searcher's own interest
    for c in np.unique(home[at_home]):
        mine = with_card[world.brand_category[with_card] == c]
        rows = np.flatnonzero(at_home & (home == c))
        if len(mine):
            brand[rows] = mine[rng.integers(0, len(mine), len(rows))]
    view_ts = _times(rng, day_start, n)
    tapped = rng.random(n) < spec.search_click_rate
    return Search(viewer, brand, view_ts, tapped)


def front_table(s: Search, seq0: int, click_seq0: int, pop: Population) -> pa.Table:
    """The views (``search_view``) and, for each tap, the app's ``click`` a second or more later:
    front events ``f{seq0}...``, click ids ``k{click_seq0}...`` (the taps' order)."""
    return card_front_table(
        (s.viewer, s.ts), (s.tapped, tap_times(s)), SEARCH_VIEW, PLACEMENT, (seq0, click_seq0), pop
    )


def tap_times(s: Search) -> np.ndarray:
    """A tap's time: 1 to 21 seconds after its view (no draw: a function of the view's time)."""
    seen = s.ts[s.tapped]
    return np.asarray(seen + 1_000_000 + seen % 20_000_000, dtype=np.int64)


def clicks_table(
    world: World, s: Search, cards: SearchCards, click_seq0: int, pop: Population
) -> pa.Table:
    """The taps as the world records them (``events/clicks.parquet``): no note, no campaign."""
    taps = np.flatnonzero(s.tapped)
    k = len(taps)
    mount = cards.mount[s.brand[taps]]
    offer = cards.offer[s.brand[taps]]
    return pa.table(
        [
            ids("k", click_seq0 + np.arange(k, dtype=np.int64)),
            pop.community.strings(s.viewer[taps]),
            pa.nulls(k, pa.string()),
            pa.array(mount),
            pa.array(offer + 1),
            codes(tuple(p.slug for p in PARTNERS), world.offer_partner[offer]),
            pa.array([PLACEMENT] * k, pa.string()),
            ts(tap_times(s)),
            nullable(np.full(k, -1), pa.int64()),
        ],
        schema=schemas.CLICKS,
    )

"""Viewer behaviour, vectorized: impressions -> reads (with dwell) -> likes, collects, comments,
shares, follows and clicks. One call simulates one chunk (a slice of one day)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.sim.campaigns import Campaigns
from seedtrail.sim.population import Population
from seedtrail.sim.spec import CATEGORIES
from seedtrail.sim.world import US_PER_DAY, World

IMPRESSION, READ, LIKE, COLLECT, COMMENT, SHARE, FOLLOW, CLICK = range(8)
US_PER_S = 1_000_000
# share of a day's activity per hour (UTC+8 evenings peak; the world clock is UTC)
_HOURLY = np.array(
    [5, 3, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9, 11, 12, 13, 14, 14, 12, 9, 7, 6, 6, 7, 6], dtype=np.float64
)
HOUR_CDF = np.cumsum(_HOURLY) / _HOURLY.sum()


@dataclass(frozen=True)
class NoteMix:
    """Per-day sampling tables: which notes can be shown and how likely each is."""

    global_idx: np.ndarray
    global_cdf: np.ndarray
    by_cat: list[tuple[np.ndarray, np.ndarray]]


def note_mix(world: World, day: int) -> NoteMix:
    day_end = world.start_us + (day + 1) * US_PER_DAY
    live = np.flatnonzero(world.note_publish_us < day_end)
    age = (day_end - world.note_publish_us[live]) / US_PER_DAY
    weight = world.note_popularity[live] / (1.0 + age / 4.0)

    def table(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = live[mask]
        cdf = np.cumsum(weight[mask])
        return idx, cdf / cdf[-1] if len(cdf) else cdf

    gi, gc = table(np.ones(len(live), dtype=bool))
    cats = world.note_category[live]
    return NoteMix(gi, gc, [table(cats == c) for c in range(len(CATEGORIES))])


def _draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


@dataclass
class FrontChunk:
    viewer: np.ndarray
    note: np.ndarray  # note index (note_id - 1)
    kind: np.ndarray  # int8 code into schemas.FRONT_KINDS
    ts: np.ndarray  # int64 us
    placement: np.ndarray  # int8 code into world.PLACEMENTS, -1 null
    dwell_ms: np.ndarray  # int32, -1 null
    campaign_row: np.ndarray  # index into Campaigns rows, -1 none
    boosted: np.ndarray

    def __len__(self) -> int:
        return len(self.viewer)


def _times(rng: np.random.Generator, day_start: int, n: int) -> np.ndarray:
    hour = _draw(HOUR_CDF, rng.random(n))
    return day_start + hour * 3_600 * US_PER_S + rng.integers(0, 3_600 * US_PER_S, n)


#: One kind of front event drawn for a chunk: viewer, note, kind, time, campaign row, and the
#: dwell (reads) and placement (clicks) where the kind has them.
_Part = tuple[
    np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None
]


def simulate_front(
    world: World,
    pop: Population,
    camps: Campaigns,
    mix: NoteMix,
    rng: np.random.Generator,
    day: int,
    parts: int,
    exposed_cdf: np.ndarray,
    activity_cdf: np.ndarray,
) -> FrontChunk:
    """One part of a day's front events: impressions (organic, most in the viewer's home
    category, then boosted ones, shown only to viewers outside the holdout), then the reads,
    engagement and clicks they lead to, in that order on ``rng``."""
    spec = world.spec
    day_start = world.start_us + day * US_PER_DAY
    daily = spec.viewers * spec.daily_active_share * spec.impressions_per_active_viewer
    n = int(rng.poisson(daily / parts))
    viewer = _draw(activity_cdf, rng.random(n))
    note = mix.global_idx[_draw(mix.global_cdf, rng.random(n))]
    home = pop.home_category[viewer]
    at_home = rng.random(n) < 0.6
    for c, (idx, cdf) in enumerate(mix.by_cat):
        rows = np.flatnonzero(at_home & (home == c))
        if len(rows) and len(idx):
            note[rows] = idx[_draw(cdf, rng.random(len(rows)))]
    camp_row = np.full(n, -1, dtype=np.int64)
    # boosted impressions: only to viewers outside the holdout
    active = camps.active_on(day)
    if len(active):
        counts = rng.poisson(camps.daily_impressions[active] / parts)
        b_rows = np.repeat(active, counts)
        b_viewer = _draw(exposed_cdf, rng.random(len(b_rows)))
        viewer = np.concatenate([viewer, b_viewer])
        note = np.concatenate([note, camps.note_index[b_rows]])
        camp_row = np.concatenate([camp_row, b_rows])
    m = len(viewer)
    ts = np.maximum(_times(rng, day_start, m), world.note_publish_us[note] + 60 * US_PER_S)
    keep = ts < day_start + US_PER_DAY
    parts_out, dwell, place = _reactions(
        world, rng, viewer[keep], note[keep], ts[keep], camp_row[keep]
    )
    return _chunk(parts_out, dwell, place)


def _reactions(
    world: World,
    rng: np.random.Generator,
    viewer: np.ndarray,
    note: np.ndarray,
    ts: np.ndarray,
    camp_row: np.ndarray,
) -> tuple[list[_Part], np.ndarray, np.ndarray]:
    """The impressions, the reads they lead to (with dwell), each engagement kind and the clicks
    on mounted notes; also the reads' dwell and the clicks' placements."""
    spec = world.spec
    boosted = camp_row >= 0
    read = rng.random(len(viewer)) < spec.read_rate * np.where(boosted, 0.8, 1.0)
    r_viewer, r_note, r_camp = viewer[read], note[read], camp_row[read]
    r_ts = ts[read] + rng.integers(1, 30, len(r_viewer)) * US_PER_S
    dwell = np.minimum(rng.lognormal(np.log(25_000), 0.9, len(r_viewer)), 1_800_000)
    dwell = dwell.astype(np.int32)

    parts_out: list[_Part] = [
        (viewer, note, IMPRESSION, ts, camp_row, None, None),
        (r_viewer, r_note, READ, r_ts, r_camp, dwell, None),
    ]
    rates = (
        (LIKE, spec.like_rate),
        (COLLECT, spec.collect_rate),
        (COMMENT, spec.comment_rate),
        (SHARE, spec.share_rate),
        (FOLLOW, spec.follow_rate),
    )
    nr = len(r_viewer)
    for kind, rate in rates:
        sel = rng.random(nr) < rate
        t = r_ts[sel] + (rng.random(int(sel.sum())) * dwell[sel] * 1000).astype(np.int64) + 1
        parts_out.append((r_viewer[sel], r_note[sel], kind, t, r_camp[sel], None, None))
    mounted = world.note_mount[r_note] >= 0
    sel = mounted & (rng.random(nr) < spec.click_rate)
    t = r_ts[sel] + (rng.random(int(sel.sum())) * dwell[sel] * 1000).astype(np.int64) + 1
    place = world.note_placement[r_note[sel]]
    parts_out.append((r_viewer[sel], r_note[sel], CLICK, t, r_camp[sel], None, place))
    return parts_out, dwell, place


def _chunk(parts_out: list[_Part], dwell: np.ndarray, place: np.ndarray) -> FrontChunk:
    """The parts as one chunk, kind by kind (reads second, clicks last)."""

    def cat(i: int) -> np.ndarray:
        return np.concatenate([p[i] for p in parts_out])

    sizes = [len(p[0]) for p in parts_out]
    total = sum(sizes)
    dwell_col = np.full(total, -1, dtype=np.int32)
    dwell_col[sizes[0] : sizes[0] + sizes[1]] = dwell
    place_col = np.full(total, -1, dtype=np.int8)
    place_col[total - sizes[-1] :] = place
    return FrontChunk(
        viewer=cat(0),
        note=cat(1),
        kind=np.repeat(np.array([p[2] for p in parts_out], dtype=np.int8), sizes),
        ts=cat(3),
        placement=place_col,
        dwell_ms=dwell_col,
        campaign_row=cat(4),
        boosted=cat(4) >= 0,
    )

"""Live rooms (直播间): brands' live-stream sessions, the people who watch them and their taps.

Each brand holds ``spec.live_sessions`` two-hour sessions in the evening (UTC+8) of days drawn
from the world's own stream (``world.live``); each session is a ``live_room`` link on the brand's
account, valid only from its start to its end, placed when the session starts. Each chunk of a
day draws its viewers of the sessions that day from its own stream (``live``, day, part), after
everything else the chunk draws: a view is a community event of kind ``live_view`` on the
``live_room`` placement (no note), and a tap a click on the session's link while it is live. Live
taps lead to no purchases in the world (its shops convert note traffic only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.events import card_front_table, codes, ids, nullable, ts
from seedtrail.sim.population import Population
from seedtrail.sim.sessions import SESSION_US, US_PER_DAY
from seedtrail.sim.spec import PARTNERS

if TYPE_CHECKING:
    from seedtrail.sim.world import World

LIVE_VIEW = schemas.FRONT_KINDS.index("live_view")
PLACEMENT = "live_room"


@dataclass
class Watching:
    viewer: np.ndarray
    session: np.ndarray  # index into Sessions
    ts: np.ndarray
    tapped: np.ndarray  # bool per view
    tap_ts: np.ndarray  # per tapped view


def simulate_live(
    world: World, pop: Population, rng: np.random.Generator, day: int, parts: int, cdf: np.ndarray
) -> Watching:
    """One part of a day's views of the sessions live that day, and the taps on their links."""
    s, spec = world.live, world.spec
    day_start = world.start_us + day * US_PER_DAY
    today = np.flatnonzero((s.start_us >= day_start) & (s.start_us < day_start + US_PER_DAY))
    counts = rng.poisson(spec.live_viewers_per_session / parts, len(today))
    session = np.repeat(today, counts)
    n = len(session)
    viewer = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), pop.n - 1)
    start = s.start_us[session]
    view_ts = start + (rng.random(n) * 0.9 * SESSION_US).astype(np.int64)
    tapped = rng.random(n) < spec.live_click_rate
    left = s.end_us[session[tapped]] - view_ts[tapped]  # a tap while the session is live
    tap_ts = view_ts[tapped] + 1 + (rng.random(int(tapped.sum())) * (left - 1)).astype(np.int64)
    return Watching(viewer, session, view_ts, tapped, tap_ts)


def front_table(w: Watching, seq0: int, click_seq0: int, pop: Population) -> pa.Table:
    """The views (``live_view``) and the app's ``click`` for each tap."""
    return card_front_table(
        (w.viewer, w.ts), (w.tapped, w.tap_ts), LIVE_VIEW, PLACEMENT, (seq0, click_seq0), pop
    )


def clicks_table(world: World, w: Watching, click_seq0: int, pop: Population) -> pa.Table:
    """The taps on the sessions' links (``events/clicks.parquet``): no note, no campaign."""
    s = world.live
    session = w.session[w.tapped]
    k = len(session)
    offer = s.offer[session]
    return pa.table(
        [
            ids("k", click_seq0 + np.arange(k, dtype=np.int64)),
            pop.community.strings(w.viewer[w.tapped]),
            pa.nulls(k, pa.string()),
            pa.array(s.mount[session]),
            pa.array(offer + 1),
            codes(tuple(p.slug for p in PARTNERS), world.offer_partner[offer]),
            pa.array([PLACEMENT] * k, pa.string()),
            ts(w.tap_ts),
            nullable(np.full(k, -1), pa.int64()),
        ],
        schema=schemas.CLICKS,
    )

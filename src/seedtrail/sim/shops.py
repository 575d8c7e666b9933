"""Shop behaviour: sessions that search, visit, view, add to cart, buy and sometimes refund.

Sessions come from exposures (a read of a note about a product, or a click on a mounted link)
and from baseline demand (people buying whether or not they saw a note). Each session carries
its causal truth: which exposure caused it, if any.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from seedtrail.sim.behaviour import CLICK, HOUR_CDF, READ, FrontChunk
from seedtrail.sim.ownshop import OWN_SHOP
from seedtrail.sim.world import US_PER_DAY, World

SEARCH, STORE_VISIT, PRODUCT_VIEW, ADD_TO_CART, PURCHASE, REFUND, CANCEL, ORDER_STATUS = range(8)
_STAGE_FRACTION = np.array([0.0, 0.05, 0.15, 0.7, 1.0])
US_PER_MIN = 60_000_000


@dataclass
class Sessions:
    viewer: np.ndarray
    offer: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray  # first funnel stage (SEARCH or STORE_VISIT)
    last: np.ndarray  # last funnel stage reached
    click_seq: np.ndarray  # -1 none
    caused: np.ndarray
    note: np.ndarray  # -1 for baseline
    exposure_seq: np.ndarray  # front event sequence number, -1 none
    exposure_kind: np.ndarray  # front kind code, -1 none
    exposure_ts: np.ndarray
    campaign_row: np.ndarray

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        names = [f.name for f in fields(Sessions)]
        return Sessions(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})


@dataclass
class ConvChunk:
    """True conversion events (before sampling and faults)."""

    viewer: np.ndarray
    partner: np.ndarray
    kind: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    order_local: np.ndarray  # -1 none; the runner offsets it into a global order number
    click_seq: np.ndarray
    keyword: np.ndarray  # 0 none, 1 brand name, 2 offer title
    offer: np.ndarray
    caused: np.ndarray
    note: np.ndarray
    exposure_seq: np.ndarray
    exposure_kind: np.ndarray
    exposure_ts: np.ndarray
    campaign_row: np.ndarray

    def __len__(self) -> int:
        return len(self.viewer)


def _exposure_sessions(
    world: World,
    front: FrontChunk,
    front_base: int,
    click_seq: np.ndarray,
    rng: np.random.Generator,
) -> Sessions:
    spec = world.spec
    is_click = front.kind == CLICK
    reads = np.flatnonzero((front.kind == READ) & (world.note_offer[front.note] >= 0))
    clicks = np.flatnonzero(is_click)
    u_r = rng.random(len(reads))
    u_c = rng.random(len(clicks))
    r_buy = u_r < spec.caused_purchase_per_read
    r_browse = ~r_buy & (u_r < spec.caused_purchase_per_read * 4)
    c_buy = u_c < spec.caused_purchase_per_click
    c_browse = ~c_buy & (u_c < spec.caused_purchase_per_click + spec.abandoned_funnel_per_click)
    rows = np.concatenate([reads[r_buy | r_browse], clicks[c_buy | c_browse]])
    buy = np.concatenate([r_buy[r_buy | r_browse], c_buy[c_buy | c_browse]])
    from_click = np.concatenate(
        [
            np.zeros(int((r_buy | r_browse).sum()), bool),
            np.ones(int((c_buy | c_browse).sum()), bool),
        ]
    )
    n = len(rows)
    t0 = front.ts[rows]
    median_days = np.where(from_click, 0.3, 1.5)
    sigma = np.where(from_click, 1.8, 1.3)
    delay = np.exp(np.log(median_days) + sigma * rng.standard_normal(n)) * US_PER_DAY
    browse_len = rng.integers(1, 40, n) * US_PER_MIN
    end = t0 + np.where(buy, delay.astype(np.int64), browse_len) + US_PER_MIN
    start = np.where(from_click | ~buy, t0 + 1_000_000, end - rng.integers(5, 60, n) * US_PER_MIN)
    start = np.maximum(start, t0 + 1_000_000)
    note = front.note[rows]
    mount = world.note_mount[note]
    offer = np.where(
        from_click, world.mount_offer[np.maximum(mount, 1) - 1], world.note_offer[note]
    )
    cseq = np.full(n, -1, dtype=np.int64)
    pos = np.searchsorted(clicks, rows[from_click])
    cseq[from_click] = click_seq[pos]
    last = np.where(
        buy, PURCHASE, np.where(from_click, rng.integers(1, 4, n), rng.integers(0, 3, n))
    )
    return Sessions(
        viewer=front.viewer[rows],
        offer=offer,
        start=start,
        end=end,
        first=np.where(from_click, STORE_VISIT, SEARCH),
        last=last,
        click_seq=cseq,
        caused=np.ones(n, bool),
        note=note,
        exposure_seq=front_base + rows,
        exposure_kind=front.kind[rows].astype(np.int64),
        exposure_ts=t0,
        campaign_row=front.campaign_row[rows],
    )


def _baseline_sessions(world: World, rng: np.random.Generator, day: int, parts: int) -> Sessions:
    spec = world.spec
    lam = spec.viewers * spec.baseline_purchases_per_viewer_day / parts
    n_buy = int(rng.poisson(lam))
    n = n_buy + int(rng.poisson(2 * lam))
    hour = np.minimum(np.searchsorted(HOUR_CDF, rng.random(n), side="right"), 23)
    start = world.start_us + day * US_PER_DAY + hour * 60 * US_PER_MIN
    start = start + rng.integers(0, 60 * US_PER_MIN, n)
    buy = np.arange(n) < n_buy
    none = np.full(n, -1, dtype=np.int64)
    return Sessions(
        viewer=rng.integers(0, spec.viewers, n),
        offer=rng.integers(0, len(world.offer_partner), n),
        start=start,
        end=start + rng.integers(2, 90, n) * US_PER_MIN,
        first=np.where(rng.random(n) < 0.5, SEARCH, STORE_VISIT),
        last=np.where(buy, PURCHASE, rng.integers(1, 4, n)),
        click_seq=none,
        caused=np.zeros(n, bool),
        note=none,
        exposure_seq=none,
        exposure_kind=none,
        exposure_ts=none,
        campaign_row=none,
    )


#: Events of one kind for some sessions: session rows, kind, times, values, and whether each
#: keeps the click id (one flag for all, or one per row).
_Events = tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]


def simulate_shops(
    world: World,
    front: FrontChunk,
    front_base: int,
    click_seq: np.ndarray,
    rng: np.random.Generator,
    day: int,
    parts: int,
) -> ConvChunk:
    """The shops' events of one part of a day: the sessions the front events caused and the
    baseline ones, each walked down the funnel, then refunds, cancels and order updates."""
    s = Sessions.concat(
        [
            _exposure_sessions(world, front, front_base, click_seq, rng),
            _baseline_sessions(world, rng, day, parts),
        ]
    )
    n = len(s.viewer)
    order_local = np.full(n, -1, dtype=np.int64)
    buyers = np.flatnonzero(s.last == PURCHASE)
    order_local[buyers] = np.arange(len(buyers))
    qty = np.where(rng.random(n) < 0.15, 2, 1)
    price = world.offer_price[s.offer] * qty
    own = world.offer_partner[s.offer] == OWN_SHOP  # keeps its orders' click ids (sim.ownshop)
    out = _funnel_events(s, price, own) + _after_purchase(world, s, buyers, price, own, rng)
    return _chunk(world, s, out, order_local)


def _funnel_events(s: Sessions, price: np.ndarray, own: np.ndarray) -> list[_Events]:
    """Each funnel stage a session passed, timed along the session; the purchase carries the
    price, and keeps the click id unless it came days after the click (the own shop's keep it)."""
    span = (s.end - s.start).astype(np.float64)
    out: list[_Events] = []
    for stage in range(PURCHASE + 1):
        rows = np.flatnonzero((s.first <= stage) & (stage <= s.last))
        ts = s.start[rows] + (span[rows] * _STAGE_FRACTION[stage]).astype(np.int64) + stage
        value = price[rows] if stage == PURCHASE else np.zeros(len(rows))
        if stage == PURCHASE:  # a purchase days later has lost the click id
            keep_click = ((s.end[rows] - s.start[rows]) < 3 * US_PER_DAY) | own[rows]
        else:
            keep_click = np.asarray(stage != SEARCH)
        out.append((rows, stage, ts, value, keep_click))
    return out


def _after_purchase(
    world: World,
    s: Sessions,
    bought: np.ndarray,
    price: np.ndarray,
    own: np.ndarray,
    rng: np.random.Generator,
) -> list[_Events]:
    """Refunds (days later) and cancels (minutes later) of some purchases, at minus their price,
    and order-status updates of half of them; only the own shop's refunds keep the click id."""
    u = rng.random(len(bought))
    refund = bought[u < world.spec.refund_rate]
    cancel = bought[
        (u >= world.spec.refund_rate) & (u < world.spec.refund_rate + world.spec.cancel_rate)
    ]
    status = bought[rng.random(len(bought)) < 0.5]
    no_click = np.asarray(False)
    refunds = s.end[refund] + rng.integers(1, 11, len(refund)) * US_PER_DAY
    cancels = s.end[cancel] + rng.integers(5, 120, len(cancel)) * US_PER_MIN
    updates = s.end[status] + rng.integers(12, 48, len(status)) * 60 * US_PER_MIN
    return [
        (refund, REFUND, refunds, -price[refund], own[refund]),
        (cancel, CANCEL, cancels, -price[cancel], no_click),
        (status, ORDER_STATUS, updates, np.zeros(len(status)), no_click),
    ]


def _chunk(world: World, s: Sessions, out: list[_Events], order_local: np.ndarray) -> ConvChunk:
    """The events as one chunk, kind by kind, with each row's session fields."""
    rows = np.concatenate([o[0] for o in out])
    kind = np.concatenate([np.full(len(o[0]), o[1], dtype=np.int8) for o in out])
    ts = np.concatenate([o[2] for o in out])
    value = np.concatenate([o[3] for o in out])
    keep = np.concatenate([np.broadcast_to(o[4], len(o[0])) for o in out])
    click = np.where(keep, s.click_seq[rows], -1)
    keyword = np.where(kind == SEARCH, np.where(s.viewer[rows] % 2 == 0, 1, 2), 0)
    order = np.where(kind >= PURCHASE, order_local[rows], -1)
    return ConvChunk(
        viewer=s.viewer[rows],
        partner=world.offer_partner[s.offer[rows]],
        kind=kind,
        ts=ts,
        value=value,
        order_local=order,
        click_seq=click,
        keyword=keyword,
        offer=s.offer[rows],
        caused=s.caused[rows],
        note=s.note[rows],
        exposure_seq=s.exposure_seq[rows],
        exposure_kind=s.exposure_kind[rows],
        exposure_ts=s.exposure_ts[rows],
        campaign_row=s.campaign_row[rows],
    )

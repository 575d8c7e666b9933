"""Arrow tables of the observable event streams: front-link events, clicks, comments, and the
partner conversion events as delivered."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.sim import schemas
from seedtrail.sim.backhaul import DELIVERED, Delivery
from seedtrail.sim.behaviour import CLICK, COMMENT, FrontChunk
from seedtrail.sim.campaigns import Campaigns
from seedtrail.sim.population import VIEWER_ACCOUNT_BASE, Population
from seedtrail.sim.shops import ConvChunk
from seedtrail.sim.spec import PARTNERS
from seedtrail.sim.text.comments import organic_comments
from seedtrail.sim.world import PLACEMENTS, World

CLICK_KIND = schemas.FRONT_KINDS.index("click")


def ids(prefix: str, seq: np.ndarray) -> pa.Array:
    """``prefix + seq`` as strings; null where ``seq < 0``."""
    text = pc.binary_join_element_wise(prefix, pc.cast(pa.array(seq), pa.string()), "")
    if (seq >= 0).all():
        return text
    return pc.if_else(pa.array(seq >= 0), text, pa.scalar(None, pa.string()))


def codes(labels: tuple[str, ...], code: np.ndarray) -> pa.Array:
    """Labels by code; null where ``code < 0``."""
    taken = pa.array(labels).take(pa.array(np.maximum(code, 0)))
    if (code >= 0).all():
        return taken
    return pc.if_else(pa.array(code >= 0), taken, pa.scalar(None, pa.string()))


def ts(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), schemas.TS)


def note_ids(values: np.ndarray) -> pa.Array:
    """Note ids as the event contracts carry them: strings (external ids are kept as text)."""
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())


def nullable(values: np.ndarray, typ: pa.DataType) -> pa.Array:
    return pa.array(values, typ, mask=values < 0)


def card_front_table(
    views: tuple[np.ndarray, np.ndarray],
    taps: tuple[np.ndarray, np.ndarray],
    view_kind: int,
    placement: str,
    seqs: tuple[int, int],
    pop: Population,
) -> pa.Table:
    """Front events of a card seen outside any note (a search card, a live room): each view
    (``view_kind``, ``views`` = viewers and times), then for each tap the app's ``click``
    (``taps`` = which views were tapped, a boolean mask, and the taps' times); front events
    ``f{seqs[0]}...``, click ids ``k{seqs[1]}...`` in the taps' order."""
    (seen_by, seen_at), (tapped, tap_ts) = views, taps
    viewer = np.concatenate([seen_by, seen_by[tapped]])
    n, k, v = len(viewer), int(tapped.sum()), len(seen_by)
    kind = np.concatenate([np.full(v, view_kind), np.full(k, CLICK_KIND)])
    click = np.concatenate([np.full(v, -1), seqs[1] + np.arange(k)])
    return pa.table(
        [
            ids("f", seqs[0] + np.arange(n, dtype=np.int64)),
            pop.community.strings(viewer),
            pa.nulls(n, pa.string()),
            codes(schemas.FRONT_KINDS, kind.astype(np.int64)),
            ts(np.concatenate([seen_at, tap_ts])),
            ids("k", click.astype(np.int64)),
            pa.array([placement] * n, pa.string()),
            pa.nulls(n, pa.int32()),
            pa.nulls(n, pa.int64()),
            pa.array(np.zeros(n, dtype=bool)),
        ],
        schema=schemas.FRONT_EVENTS,
    )


def campaign_of(chunk: FrontChunk, camps: Campaigns) -> np.ndarray:
    """The campaign each event came through (-1: none)."""
    return np.where(chunk.campaign_row >= 0, camps.campaign_id[chunk.campaign_row], -1)


def front_table(
    chunk: FrontChunk, seq: np.ndarray, click_seq: np.ndarray, pop: Population, camps: Campaigns
) -> pa.Table:
    clicks = np.full(len(chunk), -1, dtype=np.int64)
    clicks[chunk.kind == CLICK] = click_seq
    camp = campaign_of(chunk, camps)
    return pa.table(
        [
            ids("f", seq),
            pop.community.strings(chunk.viewer),
            note_ids(chunk.note + 1),
            codes(schemas.FRONT_KINDS, chunk.kind.astype(np.int64)),
            ts(chunk.ts),
            ids("k", clicks),
            codes(PLACEMENTS, chunk.placement.astype(np.int64)),
            nullable(chunk.dwell_ms, pa.int32()),
            nullable(camp, pa.int64()),
            pa.array(chunk.boosted),
        ],
        schema=schemas.FRONT_EVENTS,
    )


def clicks_table(
    world: World, chunk: FrontChunk, click_seq: np.ndarray, pop: Population, camps: Campaigns
) -> pa.Table:
    rows = chunk.kind == CLICK
    camp = campaign_of(chunk, camps)
    note = chunk.note[rows]
    mount = world.note_mount[note]
    offer = world.mount_offer[mount - 1]
    return pa.table(
        [
            ids("k", click_seq),
            pop.community.strings(chunk.viewer[rows]),
            note_ids(note + 1),
            pa.array(mount),
            pa.array(offer + 1),
            codes(tuple(p.slug for p in PARTNERS), world.offer_partner[offer]),
            codes(PLACEMENTS, chunk.placement[rows].astype(np.int64)),
            ts(chunk.ts[rows]),
            nullable(camp[rows], pa.int64()),
        ],
        schema=schemas.CLICKS,
    )


def comments_table(
    world: World, chunk: FrontChunk, first_id: int, rng: np.random.Generator
) -> pa.Table:
    rows = chunk.kind == COMMENT
    note = chunk.note[rows]
    n = len(note)
    return pa.table(
        [
            pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
            pa.array(note + 1),
            pa.array(VIEWER_ACCOUNT_BASE + chunk.viewer[rows]),
            organic_comments(rng, world.note_category[note]),
            ts(chunk.ts[rows]),
        ],
        schema=schemas.COMMENTS,
    )


def keywords(world: World, conv: ConvChunk) -> pa.Array:
    brand = pa.array(world.brand_names).take(pa.array(world.offer_brand[conv.offer]))
    title = world.offers.column("title").combine_chunks().take(pa.array(conv.offer))
    chosen = pc.if_else(pa.array(conv.keyword == 1), brand, title)
    return pc.if_else(pa.array(conv.keyword > 0), chosen, pa.scalar(None, pa.string()))


def delivered_table(
    world: World,
    conv: ConvChunk,
    rows: np.ndarray,
    delivery: Delivery,
    conv_seq: np.ndarray,
    order_seq: np.ndarray,
    partner: int,
    pop: Population,
) -> pa.Table:
    """One partner's delivered events: first deliveries, then the duplicate deliveries."""
    p = PARTNERS[partner]
    first = rows[delivery.state[rows] == DELIVERED]
    dup_mask = np.isin(delivery.duplicate_rows, rows)
    dups = delivery.duplicate_rows[dup_mask]
    take = np.concatenate([first, dups])
    received = np.concatenate(
        [delivery.received_at[first], delivery.duplicate_received_at[dup_mask]]
    )
    n = len(take)
    sub = subset(conv, take)
    return pa.table(
        [
            ids(p.key_prefix + "-", conv_seq[take]),
            pa.array([p.slug] * n, pa.string()),
            pop.shops[p.slug].strings(sub.viewer),
            codes(schemas.CONVERSION_KINDS, sub.kind.astype(np.int64)),
            ts(sub.ts),
            ts(received),
            pa.array(sub.value),
            pa.array(["CNY"] * n, pa.string()),
            ids("o", order_seq[take]),
            ids("k", sub.click_seq),
            keywords(world, sub),
            pa.array(np.full(n, p.sample_rate)),
            pa.array(world.offer_item, pa.string()).take(pa.array(sub.offer)),
        ],
        schema=schemas.CONVERSIONS,
    )


def subset(conv: ConvChunk, rows: np.ndarray) -> ConvChunk:
    return ConvChunk(**{k: v[rows] for k, v in vars(conv).items()})

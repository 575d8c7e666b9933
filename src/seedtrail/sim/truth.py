"""Ground-truth tables: what really happened, for later capabilities to score themselves."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.sim import schemas
from seedtrail.sim.backhaul import Delivery, Gap
from seedtrail.sim.campaigns import Campaigns
from seedtrail.sim.events import codes, ids, nullable, ts
from seedtrail.sim.population import VIEWER_ACCOUNT_BASE, Population
from seedtrail.sim.shops import ConvChunk
from seedtrail.sim.spec import CATEGORIES, PARTNERS
from seedtrail.sim.world import NOTE_KINDS, World


def conversions_table(
    conv: ConvChunk,
    rows: np.ndarray,
    delivery: Delivery,
    conv_seq: np.ndarray,
    order_seq: np.ndarray,
    partner: int,
    pop: Population,
    camps: Campaigns,
) -> pa.Table:
    p = PARTNERS[partner]
    n = len(rows)
    camp_row = conv.campaign_row[rows]
    camp = np.where(camp_row >= 0, camps.campaign_id[np.maximum(camp_row, 0)], -1)
    return pa.table(
        [
            ids(p.key_prefix + "-", conv_seq[rows]),
            pa.array([p.slug] * n, pa.string()),
            pop.shops[p.slug].strings(conv.viewer[rows]),
            pop.community.strings(conv.viewer[rows]),
            codes(schemas.CONVERSION_KINDS, conv.kind[rows].astype(np.int64)),
            ts(conv.ts[rows]),
            pa.array(conv.value[rows]),
            ids("o", order_seq[rows]),
            pa.array(conv.caused[rows]),
            nullable(np.where(conv.note[rows] >= 0, conv.note[rows] + 1, -1), pa.int64()),
            ids("f", conv.exposure_seq[rows]),
            codes(schemas.FRONT_KINDS, conv.exposure_kind[rows]),
            pa.array(conv.exposure_ts[rows], schemas.TS, mask=conv.exposure_ts[rows] < 0),
            nullable(camp, pa.int64()),
            pa.array(camp_row >= 0),
            codes(schemas.DELIVERY_STATES, delivery.state[rows].astype(np.int64)),
        ],
        schema=schemas.TRUTH_CONVERSIONS,
    )


def faults_table(conv: ConvChunk, delivery: Delivery, conv_seq: np.ndarray) -> pa.Table:
    late = np.flatnonzero(delivery.late)
    dups = delivery.duplicate_rows
    rows = np.concatenate([late, dups])
    prefixes = pa.array([p.key_prefix + "-" for p in PARTNERS]).take(pa.array(conv.partner[rows]))
    event_ids = pc.binary_join_element_wise(
        prefixes, pc.cast(pa.array(conv_seq[rows]), pa.string()), ""
    )
    ends = np.concatenate([delivery.received_at[late], delivery.duplicate_received_at])
    return pa.table(
        [
            codes(tuple(p.slug for p in PARTNERS), conv.partner[rows]),
            pa.array(["late"] * len(late) + ["duplicate"] * len(dups), pa.string()),
            event_ids,
            ts(conv.ts[rows]),
            ts(ends),
        ],
        schema=schemas.TRUTH_FAULTS,
    )


def gap_table(gap: Gap) -> pa.Table:
    return pa.table(
        [
            pa.array([PARTNERS[gap.partner].slug]),
            pa.array(["gap"]),
            pa.array([None], pa.string()),
            ts(np.array([gap.start_us])),
            ts(np.array([gap.end_us])),
        ],
        schema=schemas.TRUTH_FAULTS,
    )


def viewer_batches(pop: Population, batch: int) -> Iterator[pa.Table]:
    """The viewers table, ``batch`` viewers at a time."""
    for lo in range(0, pop.n, batch):
        idx = np.arange(lo, min(pop.n, lo + batch), dtype=np.int64)
        yield pa.table(
            [
                pa.array(idx),
                pop.community.strings(idx),
                pa.array(VIEWER_ACCOUNT_BASE + idx),
                pa.array(pop.holdout[idx]),
                codes(CATEGORIES, pop.home_category[idx].astype(np.int64)),
            ],
            schema=schemas.TRUTH_VIEWERS,
        )


def notes_table(world: World) -> pa.Table:
    brand = np.where(world.note_brand >= 0, world.brand_ids[np.maximum(world.note_brand, 0)], -1)
    return pa.table(
        [
            pa.array(np.arange(1, world.n_notes + 1, dtype=np.int64)),
            codes(NOTE_KINDS, world.note_kind.astype(np.int64)),
            nullable(brand, pa.int64()),
            nullable(np.where(world.note_offer >= 0, world.note_offer + 1, -1), pa.int64()),
            nullable(world.note_mount, pa.int64()),
        ],
        schema=schemas.TRUTH_NOTES,
    )


def spend_table(world: World, camps: Campaigns, boosted_counts: np.ndarray) -> pa.Table:
    """``boosted_counts[day, row]``: boosted impressions per day and campaign row."""
    days, rows = np.nonzero(boosted_counts)
    counts = boosted_counts[days, rows]
    epoch_day = world.start_us // (86_400 * 1_000_000)
    return pa.table(
        [
            pa.array(camps.campaign_id[rows]),
            pa.array(camps.note_index[rows] + 1),
            pa.array((epoch_day + days).astype(np.int32), pa.date32()),
            pa.array(np.round(counts * camps.cpm[rows] / 1000.0, 2)),
            pa.array(counts.astype(np.int64)),
        ],
        schema=schemas.CAMPAIGN_SPEND,
    )

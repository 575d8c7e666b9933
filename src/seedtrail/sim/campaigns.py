"""Boost campaigns: brands pay to raise the impressions of chosen notes, day by day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.spec import PARTNERS
from seedtrail.sim.streams import stream
from seedtrail.sim.world import BRAND, COLLAB, US_PER_DAY, World


@dataclass(frozen=True)
class Campaigns:
    # one row per (campaign, note)
    campaign_id: np.ndarray
    note_index: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray  # exclusive
    daily_impressions: np.ndarray  # expected boosted impressions per day
    cpm: np.ndarray  # CNY per 1000 boosted impressions
    campaigns: pa.Table
    campaign_notes: pa.Table

    def active_on(self, day: int) -> np.ndarray:
        return np.flatnonzero((self.start_day <= day) & (day < self.end_day))


def build_campaigns(world: World, seed: int) -> Campaigns:
    spec = world.spec
    rng = stream(seed, "campaigns")
    boostable = np.flatnonzero(np.isin(world.note_kind, (BRAND, COLLAB)) & (world.note_offer >= 0))
    daily_total = spec.viewers * spec.daily_active_share * spec.impressions_per_active_viewer
    share = world.note_popularity / world.note_popularity.sum()
    cid, nidx, sday, eday, imps, cpm_l = [], [], [], [], [], []
    rows: schemas.Columns = {c: [] for c in schemas.CAMPAIGNS.names}
    brands_with_notes = np.unique(world.note_brand[boostable])
    for c in range(1, spec.campaigns + 1):
        if len(brands_with_notes) == 0:
            break
        b = int(rng.choice(brands_with_notes))
        mine = boostable[world.note_brand[boostable] == b]
        chosen = rng.choice(mine, size=min(len(mine), int(rng.integers(1, 5))), replace=False)
        start = int(rng.integers(0, max(1, spec.days - 3)))
        end = min(spec.days, start + int(rng.integers(3, 15)))
        cpm = float(rng.uniform(20, 60))
        day_imps = []
        for note in sorted(int(x) for x in chosen):
            organic = daily_total * share[note]
            expected = max(20.0, spec.boost_multiplier * organic)
            cid.append(c)
            nidx.append(note)
            sday.append(start)
            eday.append(end)
            imps.append(expected)
            cpm_l.append(cpm)
            day_imps.append(expected)
        rows["campaign_id"].append(c)
        rows["brand_id"].append(int(world.brand_ids[b]))
        rows["name"].append(f"{world.brand_names[b]}·种草加热{c}")
        rows["starts_at"].append(world.start_us + start * US_PER_DAY)
        rows["ends_at"].append(world.start_us + end * US_PER_DAY)
        rows["daily_budget"].append(round(sum(day_imps) * cpm / 1000 * 1.2, 2))
    cid_a = np.array(cid, dtype=np.int64)
    nidx_a = np.array(nidx, dtype=np.int64)
    return Campaigns(
        campaign_id=cid_a,
        note_index=nidx_a,
        start_day=np.array(sday, dtype=np.int64),
        end_day=np.array(eday, dtype=np.int64),
        daily_impressions=np.array(imps, dtype=np.float64),
        cpm=np.array(cpm_l, dtype=np.float64),
        campaigns=pa.table(rows, schema=schemas.CAMPAIGNS),
        campaign_notes=pa.table(
            {"campaign_id": cid_a, "note_id": nidx_a + 1}, schema=schemas.CAMPAIGN_NOTES
        ),
    )


#: Co-funding (红猫-style tri-party boosts): the chance a campaign has a marketplace paying part
#: of its spend (which marketplace, and its share), and the platform a subsidy.
MARKETPLACE_FUNDS = 0.5
MARKETPLACE_SHARE = (0.2, 0.4)
PLATFORM_FUNDS = 0.3
PLATFORM_SHARE = 0.1


def build_funders(camps: Campaigns, seed: int) -> pa.Table:
    """Each campaign's co-funders, drawn from their own stream (``campaigns.funders``)."""
    rng = stream(seed, "campaigns.funders")
    marketplaces = [p.slug for p in PARTNERS if p.kind == "marketplace"]
    rows: dict[str, list[Any]] = {c: [] for c in schemas.CAMPAIGN_FUNDERS.names}
    for cid in camps.campaigns.column("campaign_id").to_pylist():
        u, pick, share, v = (
            rng.random(),
            rng.integers(len(marketplaces)),
            rng.uniform(*MARKETPLACE_SHARE),
            rng.random(),
        )
        if u < MARKETPLACE_FUNDS:
            for col, value in zip(
                rows,
                (cid, "marketplace", marketplaces[int(pick)], round(float(share), 2)),
                strict=True,
            ):
                rows[col].append(value)
        if v < PLATFORM_FUNDS:
            for col, value in zip(rows, (cid, "platform", None, PLATFORM_SHARE), strict=True):
                rows[col].append(value)
    return pa.table(rows, schema=schemas.CAMPAIGN_FUNDERS)

"""Bad actors and bad items, with their ground truth.

- water army: accounts posting scripted, lightly varied comments on a brand's target notes in
  bursts, plus camouflage comments elsewhere;
- diversion: comments and profile bios steering users to WeChat or a phone, obfuscated;
- notes: unregistered promotion and exaggerated medical-beauty claims (kinds set in ``world``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.streams import stream
from seedtrail.sim.text import diversion, water_army
from seedtrail.sim.text.comments import camouflage_comments
from seedtrail.sim.world import MEDICAL, NOTE_KINDS, PROMO_UNREG, US_PER_DAY, World


@dataclass
class _Rows:
    comments: schemas.Columns = field(
        default_factory=lambda: {c: [] for c in schemas.COMMENTS.names}
    )
    items: schemas.Columns = field(
        default_factory=lambda: {c: [] for c in schemas.TRUTH_BAD_ITEMS.names}
    )
    actors: schemas.Columns = field(
        default_factory=lambda: {c: [] for c in schemas.TRUTH_BAD_ACTORS.names}
    )

    def comment(self, note: int, author: int, text: str, ts: int) -> int:
        cid = len(self.comments["comment_id"]) + 1
        for k, v in zip(schemas.COMMENTS.names, (cid, note, author, text, ts), strict=True):
            self.comments[k].append(v)
        return cid

    def item(
        self,
        item_type: str,
        item_id: int,
        account: int,
        kind: str,
        wa: int | None = None,
        div: diversion.Diversion | None = None,
    ) -> None:
        values = (
            item_type,
            item_id,
            account,
            kind,
            wa,
            div.family if div else None,
            div.contact_kind if div else None,
            div.contact_value if div else None,
        )
        for k, v in zip(schemas.TRUTH_BAD_ITEMS.names, values, strict=True):
            self.items[k].append(v)


@dataclass(frozen=True)
class BadActors:
    comments: pa.Table  # comment ids 1..len; organic comments are numbered after these
    items: pa.Table
    actors: pa.Table
    profile_bios: dict[int, str]


def _random_note_time(
    rng: np.random.Generator, world: World, cdf: np.ndarray, end_us: int
) -> tuple[int, int]:
    note = int(np.searchsorted(cdf, rng.random(), side="right"))
    note = min(note, world.n_notes - 1)
    lo = max(int(world.note_publish_us[note]), world.start_us)
    return note, int(rng.integers(lo, max(lo + 1, end_us)))


def build_bad_actors(world: World, seed: int) -> BadActors:
    spec = world.spec
    rng = stream(seed, "bad_actors")
    end_us = world.start_us + spec.days * US_PER_DAY
    rows = _Rows()
    cdf = np.cumsum(world.note_popularity)
    cdf /= cdf[-1]
    wa_ids = np.array([a for a, k in world.account_kind.items() if k == "water_army"], np.int64)
    wa_ids.sort()
    groups = np.array_split(wa_ids, max(1, spec.water_army_campaigns)) if len(wa_ids) else []
    early = world.note_publish_us < world.start_us + (spec.days // 3) * US_PER_DAY
    for c, members in enumerate(groups, start=1):
        if len(members) == 0:
            continue
        candidates = np.flatnonzero(early & (world.note_brand >= 0))
        brand = int(world.note_brand[int(rng.choice(candidates))])
        pool = candidates[world.note_brand[candidates] == brand]
        targets = np.sort(
            rng.choice(pool, size=min(len(pool), int(rng.integers(3, 11))), replace=False)
        )
        scripts = water_army.scripts_for(rng, int(rng.integers(2, 5)))
        brand_name = world.brand_names[brand]
        for aid in members.tolist():
            rows.actors["account_id"].append(aid)
            rows.actors["kind"].append("water_army")
            rows.actors["wa_campaign_id"].append(c)
            rows.actors["target_note_ids"].append([int(t) + 1 for t in targets])
        first = spec.days // 3
        for _ in range(int(rng.integers(2, 5))):
            burst = world.start_us + int(rng.integers(first, spec.days)) * US_PER_DAY
            burst += int(rng.integers(10, 22)) * 3_600_000_000
            for aid in members.tolist():
                if rng.random() > 0.8:
                    continue
                for t in rng.choice(
                    targets, size=int(rng.integers(1, min(3, len(targets)) + 1)), replace=False
                ):
                    note = int(t)
                    ts = burst + int(min(rng.exponential(20 * 60e6), 7_200e6))
                    text = water_army.vary(
                        rng,
                        scripts[int(rng.integers(len(scripts)))],
                        brand_name,
                        world.note_product[note],
                    )
                    cid = rows.comment(note + 1, aid, text, min(ts, end_us - 1))
                    rows.item("comment", cid, aid, "water_army_comment", wa=c)
        camo_n = rng.poisson(spec.camouflage_per_account, len(members))
        texts = camouflage_comments(rng, int(camo_n.sum()))
        ti = 0
        for aid, k in zip(members.tolist(), camo_n.tolist(), strict=True):
            for _ in range(k):
                note, ts = _random_note_time(rng, world, cdf, end_us)
                cid = rows.comment(note + 1, aid, texts[ti], ts)
                ti += 1
                rows.item("comment", cid, aid, "camouflage_comment", wa=c)

    profile_bios: dict[int, str] = {}
    div_ids = sorted(a for a, k in world.account_kind.items() if k == "diverter")
    for aid in div_ids:
        rows.actors["account_id"].append(aid)
        rows.actors["kind"].append("diverter")
        rows.actors["wa_campaign_id"].append(None)
        rows.actors["target_note_ids"].append(None)
        if rng.random() < 0.5:
            d = diversion.make(rng, diversion.FAMILIES[int(rng.integers(len(diversion.FAMILIES)))])
            profile_bios[aid] = d.text
            rows.item("profile", aid, aid, "diversion_profile", div=d)
        for _ in range(max(1, int(rng.poisson(spec.diversion_comments_per_account)))):
            d = diversion.make(rng, diversion.FAMILIES[int(rng.integers(len(diversion.FAMILIES)))])
            note, ts = _random_note_time(rng, world, cdf, end_us)
            cid = rows.comment(note + 1, aid, d.text, ts)
            rows.item("comment", cid, aid, "diversion_comment", div=d)

    for i in np.flatnonzero(np.isin(world.note_kind, (PROMO_UNREG, MEDICAL))).tolist():
        author = int(world.note_author[i])
        rows.item("note", i + 1, author, NOTE_KINDS[int(world.note_kind[i])])
        if int(world.note_kind[i]) == PROMO_UNREG and author not in rows.actors["account_id"]:
            rows.actors["account_id"].append(author)
            rows.actors["kind"].append("unregistered_promoter")
            rows.actors["wa_campaign_id"].append(None)
            rows.actors["target_note_ids"].append(None)
    return BadActors(
        comments=pa.table(rows.comments, schema=schemas.COMMENTS),
        items=pa.table(rows.items, schema=schemas.TRUTH_BAD_ITEMS),
        actors=pa.table(rows.actors, schema=schemas.TRUTH_BAD_ACTORS),
        profile_bios=profile_bios,
    )

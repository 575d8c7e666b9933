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

    def actor(
        self, account: int, kind: str, wa: int | None = None, targets: list[int] | None = None
    ) -> None:
        for k, v in zip(schemas.TRUTH_BAD_ACTORS.names, (account, kind, wa, targets), strict=True):
            self.actors[k].append(v)

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


@dataclass
class _Draw:
    """What every kind of bad actor is drawn with: the world, the stage's random stream, the
    notes' popularity CDF, the end of the simulated time, and the rows written so far."""

    world: World
    rng: np.random.Generator
    cdf: np.ndarray
    end_us: int
    rows: _Rows = field(default_factory=_Rows)

    def note_time(self) -> tuple[int, int]:
        return _random_note_time(self.rng, self.world, self.cdf, self.end_us)


def build_bad_actors(world: World, seed: int) -> BadActors:
    """Water-army campaigns, diverters and unregistered promoters, in that order on one random
    stream (same seed, same rows), with the truth of each bad item."""
    spec = world.spec
    cdf = np.cumsum(world.note_popularity)
    cdf /= cdf[-1]
    draw = _Draw(world, stream(seed, "bad_actors"), cdf, world.start_us + spec.days * US_PER_DAY)
    wa_ids = np.array([a for a, k in world.account_kind.items() if k == "water_army"], np.int64)
    wa_ids.sort()
    groups = np.array_split(wa_ids, max(1, spec.water_army_campaigns)) if len(wa_ids) else []
    for c, members in enumerate(groups, start=1):
        if len(members) > 0:
            _water_army_campaign(draw, c, members.tolist())
    profile_bios = _diverters(draw)
    _unregistered_promoters(draw)
    rows = draw.rows
    return BadActors(
        comments=pa.table(rows.comments, schema=schemas.COMMENTS),
        items=pa.table(rows.items, schema=schemas.TRUTH_BAD_ITEMS),
        actors=pa.table(rows.actors, schema=schemas.TRUTH_BAD_ACTORS),
        profile_bios=profile_bios,
    )


def _water_army_campaign(draw: _Draw, c: int, members: list[int]) -> None:
    """Campaign ``c``: its accounts pick one brand's early notes as targets, post scripted
    comments on them in bursts, and camouflage themselves with ordinary comments."""
    world, rng, spec = draw.world, draw.rng, draw.world.spec
    early = world.note_publish_us < world.start_us + (spec.days // 3) * US_PER_DAY
    candidates = np.flatnonzero(early & (world.note_brand >= 0))
    brand = int(world.note_brand[int(rng.choice(candidates))])
    pool = candidates[world.note_brand[candidates] == brand]
    targets = np.sort(
        rng.choice(pool, size=min(len(pool), int(rng.integers(3, 11))), replace=False)
    )
    scripts = water_army.scripts_for(rng, int(rng.integers(2, 5)))
    for aid in members:
        draw.rows.actor(aid, "water_army", c, [int(t) + 1 for t in targets])
    first = spec.days // 3
    for _ in range(int(rng.integers(2, 5))):
        burst = world.start_us + int(rng.integers(first, spec.days)) * US_PER_DAY
        burst += int(rng.integers(10, 22)) * 3_600_000_000
        _burst(draw, c, members, targets, scripts, world.brand_names[brand], burst)
    camo_n = rng.poisson(spec.camouflage_per_account, len(members))
    texts = camouflage_comments(rng, int(camo_n.sum()))
    ti = 0
    for aid, k in zip(members, camo_n.tolist(), strict=True):
        for _ in range(k):
            note, ts = draw.note_time()
            cid = draw.rows.comment(note + 1, aid, texts[ti], ts)
            ti += 1
            draw.rows.item("comment", cid, aid, "camouflage_comment", wa=c)


def _burst(
    draw: _Draw,
    c: int,
    members: list[int],
    targets: np.ndarray,
    scripts: list[str],
    brand_name: str,
    burst: int,
) -> None:
    """One burst of campaign ``c``: most members comment a varied script on a few targets
    within about two hours of ``burst``."""
    rng = draw.rng
    for aid in members:
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
                draw.world.note_product[note],
            )
            cid = draw.rows.comment(note + 1, aid, text, min(ts, draw.end_us - 1))
            draw.rows.item("comment", cid, aid, "water_army_comment", wa=c)


def _diverters(draw: _Draw) -> dict[int, str]:
    """Each diverter's contact in its profile (half of them) and in its comments; returns the
    profile bios by account."""
    world, rng = draw.world, draw.rng
    profile_bios: dict[int, str] = {}
    for aid in sorted(a for a, k in world.account_kind.items() if k == "diverter"):
        draw.rows.actor(aid, "diverter")
        if rng.random() < 0.5:
            d = diversion.make(rng, diversion.FAMILIES[int(rng.integers(len(diversion.FAMILIES)))])
            profile_bios[aid] = d.text
            draw.rows.item("profile", aid, aid, "diversion_profile", div=d)
        for _ in range(max(1, int(rng.poisson(world.spec.diversion_comments_per_account)))):
            d = diversion.make(rng, diversion.FAMILIES[int(rng.integers(len(diversion.FAMILIES)))])
            note, ts = draw.note_time()
            cid = draw.rows.comment(note + 1, aid, d.text, ts)
            draw.rows.item("comment", cid, aid, "diversion_comment", div=d)
    return profile_bios


def _unregistered_promoters(draw: _Draw) -> None:
    """Unregistered soft ads and false medical claims are bad notes; the soft ads' authors are
    unregistered promoters."""
    world, rows = draw.world, draw.rows
    for i in np.flatnonzero(np.isin(world.note_kind, (PROMO_UNREG, MEDICAL))).tolist():
        author = int(world.note_author[i])
        rows.item("note", i + 1, author, NOTE_KINDS[int(world.note_kind[i])])
        if int(world.note_kind[i]) == PROMO_UNREG and author not in rows.actors["account_id"]:
            rows.actor(author, "unregistered_promoter")

"""Build a world from a spec and a seed, and stream it to a directory of Parquet files.

Layout of ``out`` (columns in docs/sim.md)::

    manifest.json            seed, spec, row counts (no timings: byte-identical per seed)
    entities/{accounts,notes,partners,offers,link_mounts,collab_registrations,
              campaigns,campaign_notes,campaign_spend}.parquet
    events/{front,clicks,comments}.parquet
    conversions/<partner>.parquet   as delivered (sampled, late, duplicated, with a gap)
    parties/community/users.parquet          the community's user directory (user_key, phone,
                                             device_id): the clean room's party a
    parties/shops/<partner>/customers.parquet  that shop's customers (shop_user_key, phone,
                                             device_id): the clean room's party b
    truth/{conversions,viewers,notes,bad_actors,bad_items,backhaul_faults,identity_map}.parquet
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from seedtrail.sim import events, live, parties, schemas, search, truth
from seedtrail.sim.backhaul import deliver, plan_gap
from seedtrail.sim.badactors import BadActors, build_bad_actors
from seedtrail.sim.behaviour import CLICK, COMMENT, note_mix, simulate_front
from seedtrail.sim.campaigns import Campaigns, build_campaigns, build_funders
from seedtrail.sim.population import Population, build_population
from seedtrail.sim.search import SearchCards, simulate_search
from seedtrail.sim.shops import simulate_shops
from seedtrail.sim.spec import PARTNERS, Manifest, WorldSpec
from seedtrail.sim.streams import stream
from seedtrail.sim.world import US_PER_DAY, World, build_world
from seedtrail.sim.writer import ParquetSink, write_table

Progress = Callable[[int, int, int], None]  # (chunks done, chunks total, rows written)
FORMAT_VERSION = 2  # 2: parties/ directories; identity_map moved under truth/


@dataclass
class Summary:
    out: Path
    seed: int
    spec: WorldSpec
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(v for k, v in self.rows.items() if k.startswith(("events/", "conversions/")))

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def _sinks(out: Path, spec: WorldSpec) -> dict[str, ParquetSink]:
    rg = spec.row_group_rows
    named = {
        "events/front": schemas.FRONT_EVENTS,
        "events/clicks": schemas.CLICKS,
        "events/comments": schemas.COMMENTS,
        "truth/conversions": schemas.TRUTH_CONVERSIONS,
        "truth/backhaul_faults": schemas.TRUTH_FAULTS,
        "truth/viewers": schemas.TRUTH_VIEWERS,
    }
    named.update({f"conversions/{p.slug}": schemas.CONVERSIONS for p in PARTNERS})
    return {k: ParquetSink(out / f"{k}.parquet", s, rg) for k, s in named.items()}


def generate(spec: WorldSpec, seed: int, out: Path, progress: Progress | None = None) -> Summary:
    began = time.perf_counter()
    summary = Summary(out=out, seed=seed, spec=spec)
    world = build_world(spec, seed)
    pop = build_population(spec, seed)
    camps = build_campaigns(world, seed)
    bad = build_bad_actors(world, seed)
    rg = spec.row_group_rows
    _write_entities(out, world, camps, bad, rg, summary)
    sinks = _sinks(out, spec)
    try:
        days = _Days(spec, seed, world, pop, camps, bad, sinks)
        days.run(progress)
    finally:
        for sink in sinks.values():
            sink.close()
    for name, sink in sinks.items():
        summary.rows[name] = sink.rows
    summary.rows["entities/campaign_spend"] = write_table(
        out / "entities" / "campaign_spend.parquet",
        truth.spend_table(world, camps, days.boosted),
        rg,
    )
    summary.rows.update(_write_parties(out, pop, seed, days.shopped, rg))
    _manifest(out, summary)
    summary.seconds = time.perf_counter() - began
    return summary


def _write_entities(
    out: Path, world: World, camps: Campaigns, bad: BadActors, rg: int, summary: Summary
) -> None:
    """The world's entities (bad actors' profile bios in place) and the truth about them."""
    bios = world.accounts.column("bio").to_pylist()
    for aid, text in bad.profile_bios.items():
        bios[aid - 1] = text
    accounts = world.accounts.set_column(
        world.accounts.schema.get_field_index("bio"), "bio", pa.array(bios, pa.string())
    )
    for name, table in (
        ("accounts", accounts),
        ("notes", world.notes),
        ("partners", world.partners),
        ("offers", world.offers),
        ("link_mounts", world.link_mounts),
        ("collab_registrations", world.collab_registrations),
        ("campaigns", camps.campaigns),
        ("campaign_notes", camps.campaign_notes),
        ("campaign_funders", build_funders(camps, summary.seed)),
    ):
        path = out / "entities" / f"{name}.parquet"
        summary.rows[f"entities/{name}"] = write_table(path, table, rg)
    for name, table in (
        ("notes", truth.notes_table(world)),
        ("bad_actors", bad.actors),
        ("bad_items", bad.items),
    ):
        summary.rows[f"truth/{name}"] = write_table(out / "truth" / f"{name}.parquet", table, rg)


class _Days:
    """The simulated days, each in chunks of about ``spec.chunk_impressions`` impressions; every
    chunk draws from its own streams (``front``, ``comments``, ``shops``, ``backhaul``, ``search``,
    ``live`` × day × chunk) and numbers its rows after the chunks before it."""

    def __init__(
        self,
        spec: WorldSpec,
        seed: int,
        world: World,
        pop: Population,
        camps: Campaigns,
        bad: BadActors,
        sinks: dict[str, ParquetSink],
    ) -> None:
        self.spec, self.seed, self.world, self.pop, self.camps = spec, seed, world, pop, camps
        self.sinks = sinks
        self.gap = plan_gap(spec, world.start_us, seed)
        self.end_us = world.start_us + spec.days * US_PER_DAY
        daily = spec.viewers * spec.daily_active_share * spec.impressions_per_active_viewer
        self.parts = max(1, math.ceil(daily / spec.chunk_impressions))
        self.counters = {"front": 0, "click": 0, "comment": bad.comments.num_rows + 1,
                         "conv": 0, "order": 0}  # fmt: skip
        self.boosted = np.zeros((spec.days, len(camps.campaign_id)), dtype=np.int64)
        self.shopped = np.zeros((len(PARTNERS), pop.n), dtype=bool)  # viewers known to each shop
        self.cdfs = (pop.exposed_cdf(), pop.activity_cdf)
        self.cards = SearchCards.of(world)
        sinks["events/comments"].write(bad.comments)

    def run(self, progress: Progress | None) -> None:
        total, done = self.spec.days * self.parts, 0
        for day in range(self.spec.days):
            mix = note_mix(self.world, day)
            for part in range(self.parts):
                self._chunk(day, part, mix)
                done += 1
                if progress is not None:
                    progress(done, total, sum(s.rows for s in self.sinks.values()))
        self.sinks["truth/backhaul_faults"].write(truth.gap_table(self.gap))
        for viewers in truth.viewer_batches(self.pop, 1_000_000):
            self.sinks["truth/viewers"].write(viewers)

    def _chunk(self, day: int, part: int, mix: Any) -> None:
        world, pop, camps, sinks, counters = (
            self.world,
            self.pop,
            self.camps,
            self.sinks,
            self.counters,
        )
        exp_cdf, act_cdf = self.cdfs
        rng = stream(self.seed, "front", day, part)
        front = simulate_front(world, pop, camps, mix, rng, day, self.parts, exp_cdf, act_cdf)
        seq = counters["front"] + np.arange(len(front), dtype=np.int64)
        n_click = int((front.kind == CLICK).sum())
        click_seq = counters["click"] + np.arange(n_click, dtype=np.int64)
        sinks["events/front"].write(events.front_table(front, seq, click_seq, pop, camps))
        sinks["events/clicks"].write(events.clicks_table(world, front, click_seq, pop, camps))
        crng = stream(self.seed, "comments", day, part)
        sinks["events/comments"].write(
            events.comments_table(world, front, counters["comment"], crng)
        )
        imp_rows = front.campaign_row[(front.kind == 0) & front.boosted]
        self.boosted[day] += np.bincount(imp_rows, minlength=self.boosted.shape[1])
        srng = stream(self.seed, "shops", day, part)
        conv = simulate_shops(world, front, counters["front"], click_seq, srng, day, self.parts)
        conv = events.subset(conv, np.flatnonzero(conv.ts < self.end_us))
        self.shopped[conv.partner, conv.viewer] = True
        has_order = conv.order_local >= 0
        order_seq = np.where(has_order, counters["order"] + conv.order_local, -1)
        conv_seq = counters["conv"] + np.arange(len(conv), dtype=np.int64)
        drng = stream(self.seed, "backhaul", day, part)
        delivery = deliver(
            self.spec, pop, self.gap, self.end_us, conv.viewer, conv.partner, conv.ts, drng
        )
        for p in range(len(PARTNERS)):
            rows = np.flatnonzero(conv.partner == p)
            sinks[f"conversions/{PARTNERS[p].slug}"].write(
                events.delivered_table(world, conv, rows, delivery, conv_seq, order_seq, p, pop)
            )
            sinks["truth/conversions"].write(
                truth.conversions_table(conv, rows, delivery, conv_seq, order_seq, p, pop, camps)
            )
        sinks["truth/backhaul_faults"].write(truth.faults_table(conv, delivery, conv_seq))
        counters["front"] += len(front)
        counters["click"] += n_click
        counters["comment"] += int((front.kind == COMMENT).sum())
        counters["conv"] += len(conv)
        counters["order"] += int(conv.order_local.max(initial=-1)) + 1
        self._search(day, part)

    def _search(self, day: int, part: int) -> None:
        """The chunk's search views and taps (:mod:`seedtrail.sim.search`), then its live-room
        views and taps (:mod:`seedtrail.sim.live`), numbered after its note traffic."""
        pop, sinks, counters = self.pop, self.sinks, self.counters
        rng = stream(self.seed, "search", day, part)
        got = simulate_search(self.world, pop, self.cards, rng, day, self.parts, self.cdfs[1])
        front, click = counters["front"], counters["click"]
        sinks["events/front"].write(search.front_table(got, front, click, pop))
        sinks["events/clicks"].write(search.clicks_table(self.world, got, self.cards, click, pop))
        taps = int(got.tapped.sum())
        counters["front"] += len(got.viewer) + taps
        counters["click"] += taps
        lrng = stream(self.seed, "live", day, part)
        watched = live.simulate_live(self.world, pop, lrng, day, self.parts, self.cdfs[1])
        front, click = counters["front"], counters["click"]
        sinks["events/front"].write(live.front_table(watched, front, click, pop))
        sinks["events/clicks"].write(live.clicks_table(self.world, watched, click, pop))
        taps = int(watched.tapped.sum())
        counters["front"] += len(watched.viewer) + taps
        counters["click"] += taps


def _write_parties(
    out: Path, pop: Population, seed: int, shopped: np.ndarray, rg: int
) -> dict[str, int]:
    """Each party's directory of people, and the true pairs (truth: for scoring only)."""
    people = parties.contacts(pop, seed)
    users = "parties/community/users"
    rows = {users: write_table(out / f"{users}.parquet", parties.community_users(pop, people), rg)}
    with ParquetSink(out / "truth" / "identity_map.parquet", schemas.IDENTITY_MAP, rg) as pairs:
        for slug, customers, identity in parties.all_shops(pop, people, shopped):
            name = f"parties/shops/{slug}/customers"
            rows[name] = write_table(out / f"{name}.parquet", customers, rg)
            pairs.write(identity)
    rows["truth/identity_map"] = pairs.rows
    return rows


def _manifest(out: Path, summary: Summary) -> None:
    doc: Manifest = {
        "format_version": FORMAT_VERSION,
        "seed": summary.seed,
        "spec": dataclasses.asdict(summary.spec),
        "partners": [dataclasses.asdict(p) for p in PARTNERS],
        # seedtrail.holdout.in_holdout(community_key, share, salt) is truth/viewers' holdout
        "holdout": {"share": summary.spec.holdout_share, "salt": summary.spec.holdout_salt},
        "rows": dict(sorted(summary.rows.items())),
    }
    (out / "manifest.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )

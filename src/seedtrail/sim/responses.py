"""How a simulated world responds to a link policy change (docs/impact.md, "World responses").

A world from :func:`seedtrail.sim.runner.generate` has every link open. :func:`apply` takes its
tables and a :class:`Closure` (links of a category and/or partner closed over a span of days) and
returns the tables of the same world (same seed, same people, same events before the change) in
which people, creators and brands respond:

* **Taps on closed links are gone** (the redirect answers "unavailable"): the clicks and the
  front-link click events on mounts of the closed offers in the span.
* **Some buyers search the shop themselves** (:func:`self_search`): each buyer whose link tap is
  gone still reaches the shop with probability ``self_search_share``; their back-link events stay
  but carry no click id (the shop saw a search, ``keyword = "self_search"``); the others' events
  from that tap are dropped.
* **Some creators turn to diversion** (:func:`divert`): each creator with a note on a closed
  link posts ``diversion_per_creator_day`` (Poisson mean) diversion comments a day on own notes,
  in the simulator's own diversion text families.
* **Some creators turn to unregistered soft ads** (:func:`soft_ads`): each of those creators'
  notes published in the span is an unregistered promotion with probability ``soft_ad_share``.
* **Brands move spend** (:func:`move_spend`): boost spend on notes with closed links in the span
  falls by ``spend_cut_share``; a further ``spend_shift_share`` of it goes to the same day's
  other boosted notes, in proportion to their spend.
* **Water armies fill the gap** (:func:`water_army`): water-army comments on notes with closed
  links grow by ``water_army_growth`` (each comment in the span is copied with that probability).

Every draw comes from its own named stream of the world's seed, so a response is reproducible.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seedtrail.sim.schemas import Columns
from seedtrail.sim.spec import CATEGORIES, PARTNERS, read_manifest
from seedtrail.sim.streams import stream
from seedtrail.sim.text import diversion
from seedtrail.sim.world import US_PER_DAY


@dataclass(frozen=True)
class ResponseParams:
    self_search_share: float = 0.35
    diversion_per_creator_day: float = 0.08
    soft_ad_share: float = 0.15
    spend_cut_share: float = 0.3
    spend_shift_share: float = 0.4
    water_army_growth: float = 0.25


@dataclass(frozen=True)
class Closure:
    """Links closed for offers of ``category`` and/or ``partner`` on days [first_day, end_day)."""

    first_day: int
    end_day: int
    category: str | None = None
    partner: str | None = None

    def __post_init__(self) -> None:
        if self.category is None and self.partner is None:
            raise ValueError("a closure needs a category or a partner")
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}: {', '.join(CATEGORIES)}")
        if self.partner is not None and self.partner not in {p.slug for p in PARTNERS}:
            raise ValueError(f"unknown partner {self.partner!r}")


Tables = dict[str, pa.Table]


def _in_span(ts: pa.ChunkedArray | pa.Array, start_us: int, c: Closure) -> np.ndarray:
    us: np.ndarray = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    return (us >= start_us + c.first_day * US_PER_DAY) & (us < start_us + c.end_day * US_PER_DAY)


def closed_offers(offers: pa.Table, c: Closure) -> np.ndarray:
    keep = np.ones(offers.num_rows, bool)
    if c.category:
        keep &= np.asarray(offers.column("category").to_pylist()) == c.category
    if c.partner:
        keep &= np.asarray(offers.column("partner").to_pylist()) == c.partner
    return np.asarray(offers.column("offer_id").to_pylist())[keep]


def closed_taps(clicks: pa.Table, offer_ids: np.ndarray, start_us: int, c: Closure) -> np.ndarray:
    on_closed = np.isin(clicks.column("offer_id").to_numpy(zero_copy_only=False), offer_ids)
    taps: np.ndarray = on_closed & _in_span(clicks.column("ts"), start_us, c)
    return taps


def self_search(conv: pa.Table, gone: set[str], share: float, rng: np.random.Generator) -> pa.Table:
    """Back-link events of taps that are gone: a buyer keeps them (as a self-search, no click id)
    with probability ``share``, else they are dropped."""
    ids = conv.column("click_id").to_pylist()
    touched = [cid in gone for cid in ids]
    chosen = {cid: rng.random() < share for cid in sorted({i for i in ids if i in gone})}
    keep = [not t or chosen[cid] for t, cid in zip(touched, ids, strict=True)]
    out = conv.filter(pa.array(keep))
    was = [cid in gone for cid in out.column("click_id").to_pylist()]
    mask = pa.array(was)
    click = pc.if_else(mask, pa.scalar(None, pa.string()), out.column("click_id"))
    kw = pc.if_else(mask, pa.scalar("self_search"), out.column("keyword"))
    out = out.set_column(out.schema.get_field_index("click_id"), "click_id", click)
    return out.set_column(out.schema.get_field_index("keyword"), "keyword", kw)


def divert(
    creators: dict[int, list[int]],
    days: range,
    start_us: int,
    rate: float,
    rng: np.random.Generator,
    first_id: int,
) -> tuple[pa.Table, list[tuple[int, int, diversion.Diversion]]]:
    """Diversion comments (comment_id, note_id, author, text, ts) by ``creators`` (author →
    own notes) on each of ``days``; also returns (comment id, author, diversion) for the truth."""
    cols: Columns = {k: [] for k in ("comment_id", "note_id", "author", "text", "ts")}
    truth: list[tuple[int, int, diversion.Diversion]] = []
    for author in sorted(creators):
        notes = creators[author]
        for day in days:
            for _ in range(int(rng.poisson(rate))):
                d = diversion.make(
                    rng, diversion.FAMILIES[int(rng.integers(len(diversion.FAMILIES)))]
                )
                cid = first_id + len(truth)
                ts = start_us + day * US_PER_DAY + int(rng.integers(US_PER_DAY))
                for k, v in zip(
                    cols,
                    (cid, notes[int(rng.integers(len(notes)))], author, d.text, ts),
                    strict=True,
                ):
                    cols[k].append(v)
                truth.append((cid, author, d))
    table = pa.table(
        {
            "comment_id": pa.array(cols["comment_id"], pa.int64()),
            "note_id": pa.array(cols["note_id"], pa.int64()),
            "author": pa.array(cols["author"], pa.int64()),
            "text": pa.array(cols["text"], pa.string()),
            "ts": pa.array(cols["ts"], pa.timestamp("us", tz="UTC")),
        }
    )
    return table, truth


def soft_ads(note_ids: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """The notes (of creators who lost their links, published in the span) that become
    unregistered promotions."""
    return note_ids[rng.random(len(note_ids)) < share]


def move_spend(
    spend: pa.Table, closed_notes: np.ndarray, days: list[date], cut: float, shift: float
) -> pa.Table:
    """Boost spend on ``closed_notes`` on ``days`` falls by ``cut + shift``; the ``shift`` part
    goes to the same day's other boosted notes in proportion to their spend."""
    note = spend.column("note_id").to_numpy(zero_copy_only=False)
    day = np.asarray(spend.column("day").to_numpy(zero_copy_only=False), "datetime64[D]")
    amount = spend.column("spend").to_numpy(zero_copy_only=False).astype(float).copy()
    hit = np.isin(note, closed_notes) & np.isin(day, np.asarray(list(days), "datetime64[D]"))
    for d in np.unique(day[hit]):
        today, others = hit & (day == d), ~hit & (day == d)
        moved = amount[today].sum() * shift
        amount[today] *= 1 - cut - shift
        if others.any() and amount[others].sum() > 0:
            amount[others] += moved * amount[others] / amount[others].sum()
    return spend.set_column(spend.schema.get_field_index("spend"), "spend", pa.array(amount))


def water_army(
    comments: pa.Table,
    wa_ids: set[int],
    closed_notes: np.ndarray,
    in_span: np.ndarray,
    growth: float,
    rng: np.random.Generator,
    first_id: int,
) -> pa.Table:
    """Copies (new ids, an hour later) of water-army comments on closed notes in the span."""
    cid = comments.column("comment_id").to_numpy(zero_copy_only=False)
    on = np.isin(comments.column("note_id").to_numpy(zero_copy_only=False), closed_notes)
    pick = (
        on & in_span & np.isin(cid, np.fromiter(wa_ids, np.int64)) & (rng.random(len(cid)) < growth)
    )
    extra = comments.filter(pa.array(pick))
    ids = pa.array(first_id + np.arange(extra.num_rows, dtype=np.int64))
    ts = pc.add(extra.column("ts"), pa.scalar(3_600_000_000, pa.duration("us")))
    extra = extra.set_column(0, "comment_id", ids)
    return extra.set_column(extra.schema.get_field_index("ts"), "ts", ts)


@dataclass(frozen=True)
class _Run:
    src: Path
    out: Path
    closure: Closure
    params: ResponseParams
    seed: int
    start: date
    span: range

    @property
    def start_us(self) -> int:
        return int(datetime(*self.start.timetuple()[:3], tzinfo=UTC).timestamp()) * 10**6

    def read(self, name: str) -> pa.Table:
        return pq.read_table(self.src / f"{name}.parquet")

    def write(self, name: str, table: pa.Table) -> None:
        pq.write_table(table, self.out / f"{name}.parquet")


def _links(r: _Run) -> tuple[int, np.ndarray]:
    """Taps on closed links gone, their buyers searching the shop or lost; returns the number of
    taps closed and the notes that carried closed links."""
    offer_ids = closed_offers(r.read("entities/offers"), r.closure)
    clicks = r.read("events/clicks")
    gone_mask = closed_taps(clicks, offer_ids, r.start_us, r.closure)
    gone = set(pc.filter(clicks.column("click_id"), pa.array(gone_mask)).to_pylist())
    r.write("events/clicks", clicks.filter(pa.array(~gone_mask)))
    front = r.read("events/front")
    drop = pc.is_in(front.column("click_id"), pa.array(sorted(gone), pa.string())).fill_null(False)
    r.write("events/front", front.filter(pc.invert(drop)))
    rng = stream(r.seed, "responses-self_search")
    for p in PARTNERS:
        name = f"conversions/{p.slug}"
        r.write(name, self_search(r.read(name), gone, r.params.self_search_share, rng))
    mounts = r.read("entities/link_mounts")
    hits = np.isin(mounts.column("offer_id").to_numpy(zero_copy_only=False), offer_ids)
    on_notes = [
        n for n, hit in zip(mounts.column("note_id").to_pylist(), hits, strict=True) if hit and n
    ]
    return int(gone_mask.sum()), np.unique(np.asarray(on_notes, dtype=np.int64))


def _creators(r: _Run, closed_notes: np.ndarray) -> dict[int, list[int]]:
    """Creators who lost a link: author → all own notes."""
    notes, accounts = r.read("entities/notes"), r.read("entities/accounts")
    ids, kinds = accounts.column("account_id").to_pylist(), accounts.column("kind").to_pylist()
    kind = dict(zip(ids, kinds, strict=True))
    nids, authors = notes.column("note_id").to_pylist(), notes.column("author_id").to_pylist()
    author = dict(zip(nids, authors, strict=True))
    lost = {author[n] for n in closed_notes.tolist() if kind.get(author[n]) == "creator"}
    own: dict[int, list[int]] = {a: [] for a in sorted(lost)}
    for n, a in author.items():
        if a in own:
            own[a].append(n)
    return own


def _bad_rows(bad: pa.Table, items: list[tuple[Any, ...]]) -> pa.Table:
    cols = bad.schema.names
    return pa.table(
        {k: pa.array([i[j] for i in items], bad.schema.field(k).type) for j, k in enumerate(cols)}
    )


def _community(r: _Run, closed_notes: np.ndarray, own: dict[int, list[int]]) -> dict[str, int]:
    """Diversion comments, water-army copies and soft ads, in the comments and the truth."""
    comments, bad = r.read("events/comments"), r.read("truth/bad_items")
    next_id = int(pc.max(comments.column("comment_id")).as_py() or 0) + 1
    rate, rng = r.params.diversion_per_creator_day, stream(r.seed, "responses-divert")
    div, div_truth = divert(own, r.span, r.start_us, rate, rng, next_id)
    is_wa = pc.equal(bad.column("kind"), "water_army_comment")
    wa_ids = set(pc.filter(bad.column("item_id"), is_wa).to_pylist())
    in_span = _in_span(comments.column("ts"), r.start_us, r.closure)
    growth, rng = r.params.water_army_growth, stream(r.seed, "responses-water_army")
    wa = water_army(comments, wa_ids, closed_notes, in_span, growth, rng, next_id + div.num_rows)
    r.write("events/comments", pa.concat_tables([comments, div.cast(comments.schema), wa]))
    notes = r.read("entities/notes")
    published = _in_span(notes.column("published_at"), r.start_us, r.closure)
    theirs = np.isin(notes.column("author_id").to_numpy(zero_copy_only=False), list(own))
    candidates = np.asarray(notes.column("note_id").to_pylist())[published & theirs]
    promos = soft_ads(candidates, r.params.soft_ad_share, stream(r.seed, "responses-soft_ads"))
    nids, aids = notes.column("note_id").to_pylist(), notes.column("author_id").to_pylist()
    authors = dict(zip(nids, aids, strict=True))
    wa_pairs = zip(
        wa.column("comment_id").to_pylist(), wa.column("author").to_pylist(), strict=True
    )
    none4 = (None, None, None, None)
    items: list[tuple[Any, ...]] = [
        *[("comment", c, a, "diversion_comment", None, d.family, d.contact_kind, d.contact_value)
          for c, a, d in div_truth],
        *[("comment", c, a, "water_army_comment", *none4) for c, a in wa_pairs],
        *[("note", int(n), authors[int(n)], "unregistered_promo", *none4) for n in promos],
    ]  # fmt: skip
    r.write("truth/bad_items", pa.concat_tables([bad, _bad_rows(bad, items)]))
    truth = r.read("truth/notes")
    flip = pa.array(np.isin(truth.column("note_id").to_numpy(zero_copy_only=False), promos))
    kind = pc.if_else(flip, pa.scalar("unregistered_promo"), truth.column("note_kind"))
    at = truth.schema.get_field_index("note_kind")
    r.write("truth/notes", truth.set_column(at, "note_kind", kind))
    return {
        "diversion_comments_added": div.num_rows,
        "water_army_comments_added": wa.num_rows,
        "soft_ads_added": len(promos),
    }


def apply(
    src: Path, out: Path, closure: Closure, params: ResponseParams, seed: int
) -> dict[str, int]:
    """Write to ``out`` the world of ``src`` responding to ``closure`` (see the module
    docstring); returns counts of what changed."""
    shutil.copytree(src, out)
    spec = read_manifest(src)["spec"]
    span = range(closure.first_day, min(closure.end_day, int(str(spec["days"]))))
    r = _Run(src, out, closure, params, seed, date.fromisoformat(str(spec["start"])), span)
    taps, closed_notes = _links(r)
    own = _creators(r, closed_notes)
    counts = _community(r, closed_notes, own)
    spend = r.read("entities/campaign_spend")
    days = [r.start + timedelta(days=d) for d in span]
    cut, shift = params.spend_cut_share, params.spend_shift_share
    r.write("entities/campaign_spend", move_spend(spend, closed_notes, days, cut, shift))
    return {"taps_closed": taps, "creators_affected": len(own), **counts}


def open_from(
    world_dir: Path, category: str, first_day: int, params: ResponseParams, seed: int
) -> dict[str, int]:
    """Rewrite the world in ``world_dir`` as one whose ``category`` links opened on day
    ``first_day`` (closed before it, every response applied to the closed days), as the articles'
    communities reopened category after category. The opening goes into the manifest's
    ``policy`` list, which :func:`seedtrail.sim.links.open_categories` turns into the rule a
    community would have: that category open from that day. Returns :func:`apply`'s counts."""
    work = world_dir.with_name(f".{world_dir.name}.opening")
    if work.exists():  # a run stopped half-way: this function made it
        shutil.rmtree(work)
    counts = apply(world_dir, work, Closure(0, first_day, category=category), params, seed)
    manifest = read_manifest(work)
    start = date.fromisoformat(str(manifest["spec"]["start"]))
    opened = (start + timedelta(days=first_day)).isoformat()
    manifest["policy"] = [{"effect": "open", "category": category, "from": opened}]
    (work / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    shutil.rmtree(world_dir)
    work.rename(world_dir)
    return counts

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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seedtrail.sim.spec import CATEGORIES, PARTNERS
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
    us = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
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
    return on_closed & _in_span(clicks.column("ts"), start_us, c)


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
    cols: dict[str, list] = {k: [] for k in ("comment_id", "note_id", "author", "text", "ts")}
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


def _read(root: Path, name: str) -> pa.Table:
    return pq.read_table(root / f"{name}.parquet")


def _write(root: Path, name: str, table: pa.Table) -> None:
    pq.write_table(table, root / f"{name}.parquet")


def apply(
    src: Path, out: Path, closure: Closure, params: ResponseParams, seed: int
) -> dict[str, int]:
    """Write to ``out`` the world of ``src`` responding to ``closure`` (see the module
    docstring); returns counts of what changed."""
    shutil.copytree(src, out)
    spec = json.loads((src / "manifest.json").read_text("utf-8"))["spec"]
    start_us = int(datetime.fromisoformat(spec["start"]).replace(tzinfo=UTC).timestamp()) * 10**6
    span = range(closure.first_day, min(closure.end_day, int(spec["days"])))
    offers, mounts = _read(src, "entities/offers"), _read(src, "entities/link_mounts")
    offer_ids = closed_offers(offers, closure)
    clicks = _read(src, "events/clicks")
    gone_mask = closed_taps(clicks, offer_ids, start_us, closure)
    gone = set(pc.filter(clicks.column("click_id"), pa.array(gone_mask)).to_pylist())
    _write(out, "events/clicks", clicks.filter(pa.array(~gone_mask)))
    front = _read(src, "events/front")
    drop = pc.is_in(front.column("click_id"), pa.array(sorted(gone), pa.string())).fill_null(False)
    _write(out, "events/front", front.filter(pc.invert(drop)))
    rng = stream(seed, "responses-self_search")
    for p in PARTNERS:
        name = f"conversions/{p.slug}"
        _write(out, name, self_search(_read(src, name), gone, params.self_search_share, rng))

    closed_mounts = np.isin(mounts.column("offer_id").to_numpy(zero_copy_only=False), offer_ids)
    on_notes = [
        n
        for n, hit in zip(mounts.column("note_id").to_pylist(), closed_mounts, strict=True)
        if hit and n is not None
    ]
    closed_notes = np.unique(np.asarray(on_notes, dtype=np.int64))
    notes, accounts = _read(src, "entities/notes"), _read(src, "entities/accounts")
    kinds = dict(
        zip(
            accounts.column("account_id").to_pylist(),
            accounts.column("kind").to_pylist(),
            strict=True,
        )
    )
    author = dict(
        zip(notes.column("note_id").to_pylist(), notes.column("author_id").to_pylist(), strict=True)
    )
    lost = sorted({author[n] for n in closed_notes.tolist() if kinds.get(author[n]) == "creator"})
    own: dict[int, list[int]] = {a: [] for a in lost}
    for n, a in author.items():
        if a in own:
            own[a].append(n)

    comments, bad = _read(src, "events/comments"), _read(src, "truth/bad_items")
    next_id = int(pc.max(comments.column("comment_id")).as_py() or 0) + 1
    div, div_truth = divert(
        own,
        span,
        start_us,
        params.diversion_per_creator_day,
        stream(seed, "responses-divert"),
        next_id,
    )
    wa_ids = set(
        pc.filter(
            bad.column("item_id"), pc.equal(bad.column("kind"), "water_army_comment")
        ).to_pylist()
    )
    in_span = _in_span(comments.column("ts"), start_us, closure)
    wa = water_army(
        comments,
        wa_ids,
        closed_notes,
        in_span,
        params.water_army_growth,
        stream(seed, "responses-water_army"),
        next_id + div.num_rows,
    )
    _write(out, "events/comments", pa.concat_tables([comments, div.cast(comments.schema), wa]))

    published = _in_span(notes.column("published_at"), start_us, closure)
    candidates = np.asarray(notes.column("note_id").to_pylist())[
        published & np.isin(notes.column("author_id").to_numpy(zero_copy_only=False), lost)
    ]
    promos = soft_ads(candidates, params.soft_ad_share, stream(seed, "responses-soft_ads"))
    items = [
        *[
            (
                "comment",
                cid,
                a,
                "diversion_comment",
                None,
                d.family,
                d.contact_kind,
                d.contact_value,
            )
            for cid, a, d in div_truth
        ],
        *[
            ("comment", int(c), int(a), "water_army_comment", None, None, None, None)
            for c, a in zip(
                wa.column("comment_id").to_pylist(), wa.column("author").to_pylist(), strict=True
            )
        ],
        *[
            ("note", int(n), int(author[int(n)]), "unregistered_promo", None, None, None, None)
            for n in promos.tolist()
        ],
    ]
    extra = pa.table(
        {
            k: pa.array([i[j] for i in items], bad.schema.field(k).type)
            for j, k in enumerate(bad.schema.names)
        }
    )
    _write(out, "truth/bad_items", pa.concat_tables([bad, extra]))
    tnotes = _read(src, "truth/notes")
    flip = pa.array(np.isin(tnotes.column("note_id").to_numpy(zero_copy_only=False), promos))
    kind = pc.if_else(flip, pa.scalar("unregistered_promo"), tnotes.column("note_kind"))
    _write(
        out,
        "truth/notes",
        tnotes.set_column(tnotes.schema.get_field_index("note_kind"), "note_kind", kind),
    )
    spend = _read(src, "entities/campaign_spend")
    day0 = date.fromisoformat(spec["start"])
    days = [day0 + timedelta(days=d) for d in span]
    moved = move_spend(spend, closed_notes, days, params.spend_cut_share, params.spend_shift_share)
    _write(out, "entities/campaign_spend", moved.cast(spend.schema))
    return {
        "taps_closed": int(gone_mask.sum()),
        "creators_affected": len(lost),
        "diversion_comments_added": div.num_rows,
        "water_army_comments_added": wa.num_rows,
        "soft_ads_added": len(promos),
    }

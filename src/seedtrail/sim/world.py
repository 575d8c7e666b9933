"""The world's entities: accounts, notes, partners, offers, link mounts and collab registrations.

Built once per run (sizes are in the hundreds of thousands at most), kept as numpy arrays for the
behaviour engine plus Arrow tables for the writer. The accounts and offers stages are in
:mod:`seedtrail.sim.accounts`; the notes, mounts, texts and collabs stages here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from seedtrail.sim import accounts, ownshop, schemas
from seedtrail.sim.accounts import CREATOR_BIOS as CREATOR_BIOS
from seedtrail.sim.accounts import US_PER_DAY as US_PER_DAY
from seedtrail.sim.accounts import Accounts, Offers
from seedtrail.sim.sessions import Sessions, plan_sessions
from seedtrail.sim.spec import CATEGORIES, WorldSpec
from seedtrail.sim.streams import stream
from seedtrail.sim.text import notes as note_text

# note kinds (ground truth only)
ORGANIC, MENTION, COLLAB, BRAND, PROMO_UNREG, MEDICAL = range(6)
NOTE_KINDS = (
    "organic",
    "product_mention",
    "collab",
    "brand",
    "unregistered_promo",
    "medical_claim",
)
# mount placements
PLACEMENTS = ("note_card", "comment", "profile_card")


def start_us(spec: WorldSpec) -> int:
    day0 = datetime.fromisoformat(spec.start).replace(tzinfo=UTC)
    return int(day0.timestamp()) * 1_000_000


@dataclass
class World:
    spec: WorldSpec
    start_us: int
    accounts: pa.Table
    account_kind: dict[int, str]
    brand_ids: np.ndarray  # account ids of brands
    brand_names: list[str]
    brand_category: np.ndarray
    # notes (index i is note_id i + 1)
    note_author: np.ndarray
    note_category: np.ndarray
    note_popularity: np.ndarray
    note_publish_us: np.ndarray
    note_kind: np.ndarray
    note_brand: np.ndarray  # index into brand arrays, -1 none
    note_offer: np.ndarray  # index into offers, -1 none
    note_mount: np.ndarray  # mount id, -1 none
    note_placement: np.ndarray  # code into PLACEMENTS, -1 none
    note_product: list[str]
    notes: pa.Table
    # offers (index i is offer_id i + 1)
    offer_partner: np.ndarray
    offer_price: np.ndarray
    offer_item: list[str]
    offer_brand: np.ndarray
    offers: pa.Table
    partners: pa.Table
    link_mounts: pa.Table
    mount_offer: np.ndarray  # index mount_id - 1 -> offer index
    collab_registrations: pa.Table
    live: Sessions  # the brands' live-stream sessions (their links are link_mounts rows too)

    @property
    def n_notes(self) -> int:
        return len(self.note_author)


@dataclass
class _Notes:
    author: np.ndarray
    kind: np.ndarray
    brand: np.ndarray
    category: np.ndarray
    popularity: np.ndarray
    publish_us: np.ndarray
    offer: np.ndarray


@dataclass
class _Mounts:
    note_mount: np.ndarray
    note_placement: np.ndarray
    cols: schemas.Columns  # the link_mounts table


def build_world(spec: WorldSpec, seed: int) -> World:
    """The world's entities, one stage per entity. Each stage draws from its own named random
    stream (``world.<stage>``), so changing one stage's draws leaves every other stage's output
    as it was, and the same seed always gives the same bytes."""
    t0 = start_us(spec)
    acc = accounts.accounts_stage(spec, stream(seed, "world.accounts"), t0)
    offers = accounts.offers_stage(acc, stream(seed, "world.offers"))
    notes = _notes_stage(spec, acc, offers, stream(seed, "world.notes"), t0)
    notes = _own_shop_stage(spec, acc, offers, notes, seed, t0)
    mounts = _mounts_stage(acc, offers, notes, stream(seed, "world.mounts"), t0)
    live = _live_stage(spec, acc, offers, mounts, stream(seed, "world.live"), t0)
    products, note_cols = _texts_stage(acc, notes, stream(seed, "world.texts"))
    collab = _collabs_stage(acc, notes, stream(seed, "world.collabs"))
    brand_ids = acc.ids["brand"]
    return World(
        spec=spec,
        start_us=t0,
        accounts=pa.table(acc.cols, schema=schemas.ACCOUNTS),
        account_kind=acc.kind,
        brand_ids=brand_ids,
        brand_names=acc.brand_names,
        brand_category=acc.brand_category,
        note_author=notes.author,
        note_category=notes.category,
        note_popularity=notes.popularity,
        note_publish_us=notes.publish_us,
        note_kind=notes.kind,
        note_brand=notes.brand,
        note_offer=notes.offer,
        note_mount=mounts.note_mount,
        note_placement=mounts.note_placement,
        note_product=products,
        notes=pa.table(note_cols, schema=schemas.NOTES),
        offer_partner=offers.partner,
        offer_price=np.array(offers.price),
        offer_item=offers.item,
        offer_brand=offers.brand,
        offers=accounts.offers_table(acc, offers),
        partners=accounts.partners_table(),
        link_mounts=pa.table(mounts.cols, schema=schemas.LINK_MOUNTS),
        mount_offer=np.array(mounts.cols["offer_id"], dtype=np.int64) - 1,
        collab_registrations=pa.table(collab, schema=schemas.COLLAB_REGISTRATIONS),
        live=live,
    )


def _live_stage(
    spec: WorldSpec,
    acc: Accounts,
    offers: Offers,
    mounts: _Mounts,
    rng: np.random.Generator,
    t0: int,
) -> Sessions:
    """The brands' live sessions (:mod:`seedtrail.sim.live`), each a ``live_room`` link placed
    when its session starts and valid until it ends."""
    first = len(mounts.cols["mount_id"]) + 1
    live = plan_sessions(spec, acc.ids["brand"], offers.of_brand, first, t0, rng)
    for i in range(len(live.mount)):
        _add_mount(mounts.cols, int(live.mount[i]), int(live.offer[i]), None,
                   int(live.account[i]), "live_room", int(live.start_us[i]),
                   window=(int(live.start_us[i]), int(live.end_us[i])))  # fmt: skip
    return live


def _own_shop_stage(
    spec: WorldSpec,
    acc: Accounts,
    offers: Offers,
    notes: _Notes,
    seed: int,
    t0: int,
) -> _Notes:
    """The own shop's stock, the buyers and their notes (:mod:`seedtrail.sim.ownshop`),
    appended after everything else; returns the notes with the buyers' after them."""
    buyers = ownshop.buyer_accounts(spec, len(acc.cols["account_id"]) + 1,
                                    stream(seed, "world.buyers"), t0)  # fmt: skip
    acc.ids["buyer"] = buyers.ids
    for aid, fol, cat, at in zip(
        buyers.ids.tolist(), buyers.followers, buyers.category, buyers.created_us, strict=True
    ):
        acc.kind[aid], acc.followers[aid], acc.category[aid] = "buyer", fol, cat
        row = {"account_id": aid, "kind": "buyer", "display_name": f"买手{aid:06d}",
               "followers": fol, "category": CATEGORIES[cat], "bio": "买手｜只推自己用过的",
               "created_at": at}  # fmt: skip
        for col, value in row.items():
            acc.cols[col].append(value)
    shelf = ownshop.stock(acc.brand_category, acc.brand_names, stream(seed, "world.own_shop"))
    first = len(offers.price)
    offers.partner = np.concatenate([offers.partner, np.full(len(shelf.brand), ownshop.OWN_SHOP)])
    offers.brand = np.concatenate([offers.brand, np.array(shelf.brand, dtype=np.int64)])
    offers.price += shelf.price
    offers.item += shelf.item
    offers.title += shelf.title
    stocked = list(range(first, first + len(shelf.brand)))
    bn = ownshop.buyer_notes(spec, buyers, stocked, shelf.brand, acc.brand_category,
                             stream(seed, "world.buyer_notes"), t0)  # fmt: skip
    return _Notes(
        np.concatenate([notes.author, np.array(bn.author, dtype=np.int64)]),
        np.concatenate([notes.kind, np.full(len(bn.author), MENTION, dtype=np.int8)]),
        np.concatenate([notes.brand, np.array(bn.brand, dtype=np.int64)]),
        np.concatenate([notes.category, np.array(bn.category, dtype=np.int8)]),
        np.concatenate([notes.popularity, bn.popularity]),
        np.concatenate([notes.publish_us, bn.publish_us]),
        np.concatenate([notes.offer, np.array(bn.offer, dtype=np.int64)]),
    )


def _note_kind(spec: WorldSpec, u: float, category: int) -> int:
    if u < spec.unregistered_promo_share:
        return PROMO_UNREG
    if u < spec.unregistered_promo_share + spec.medical_claim_share and category < 2:
        return MEDICAL
    if u < 0.15:
        return COLLAB
    return MENTION if u < 0.4 else ORGANIC


def _notes_stage(
    spec: WorldSpec,
    acc: Accounts,
    offers: Offers,
    rng: np.random.Generator,
    t0: int,
) -> _Notes:
    author, kind, nbrand, cat_l = [], [], [], []
    for aid in acc.ids["creator"].tolist():
        count = int(
            rng.poisson(spec.notes_per_creator * (0.5 + min(acc.followers[aid], 1e5) / 1e5))
        )
        for _ in range(count):
            cat = acc.category[aid] if rng.random() < 0.8 else int(rng.integers(len(CATEGORIES)))
            u = rng.random()
            same_cat = np.flatnonzero(acc.brand_category == cat)
            b = (
                int(rng.choice(same_cat))
                if len(same_cat)
                else int(rng.integers(len(acc.ids["brand"])))
            )
            k = _note_kind(spec, u, cat)
            author.append(aid)
            cat_l.append(cat)
            kind.append(k)
            nbrand.append(-1 if k == ORGANIC else b)
    for group, per in (("brand", spec.notes_per_brand), ("enterprise", spec.notes_per_brand / 2)):
        for j, aid in enumerate(acc.ids[group].tolist()):
            b = j if group == "brand" else int(acc.enterprise_brand[j])
            for _ in range(max(1, int(rng.poisson(per)))):
                author.append(aid)
                kind.append(BRAND)
                nbrand.append(b)
                cat_l.append(int(acc.brand_category[b]))
    n = len(author)
    note_brand = np.array(nbrand, dtype=np.int64)
    fol = np.array([acc.followers[a] for a in author], dtype=np.float64)
    popularity = (fol + 50.0) ** 0.6 * rng.lognormal(0.0, 0.8, n)
    publish_day = rng.integers(-10, max(1, spec.days - 1), n)
    publish_us = t0 + publish_day * US_PER_DAY + rng.integers(0, US_PER_DAY, n)
    note_offer = np.full(n, -1, dtype=np.int64)
    for i in np.flatnonzero(note_brand >= 0).tolist():
        options = offers.of_brand[int(note_brand[i])]
        note_offer[i] = options[int(rng.integers(len(options)))]
    return _Notes(
        np.array(author, dtype=np.int64), np.array(kind, dtype=np.int8), note_brand,
        np.array(cat_l, dtype=np.int8), popularity, publish_us, note_offer,
    )  # fmt: skip


def _mounts_stage(
    acc: Accounts,
    offers: Offers,
    notes: _Notes,
    rng: np.random.Generator,
    t0: int,
) -> _Mounts:
    """Brand notes, registered collabs and buyers' notes get a link on the note or a pinned
    comment; enterprise accounts one on their profile card; each brand a search card (搜索品专,
    no taps in the world: search traffic is not simulated)."""
    n = len(notes.author)
    out = _Mounts(
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int8),
        {c: [] for c in schemas.LINK_MOUNTS.names},
    )
    enterprise_mount: dict[int, int] = {}
    for j, aid in enumerate(acc.ids["enterprise"].tolist()):
        options = offers.of_brand[int(acc.enterprise_brand[j])]
        mini = [o for o in options if offers.partner[o] == 2] or options
        mid = len(out.cols["mount_id"]) + 1
        enterprise_mount[aid] = mid
        _add_mount(out.cols, mid, mini[0], None, aid, "profile_card", t0 - 5 * US_PER_DAY)
    for i in range(n):
        k, who = int(notes.kind[i]), int(notes.author[i])
        u = rng.random()
        if k == BRAND and acc.kind[who] == "enterprise":
            out.note_mount[i], out.note_placement[i] = enterprise_mount[who], 2
            continue
        place = -1
        if acc.kind[who] == "buyer" or (k == BRAND and u < 0.8) or (k == COLLAB and u < 0.5):
            place = 0
        elif k == COLLAB and u < 0.8:
            place = 1
        if place >= 0:
            mid = len(out.cols["mount_id"]) + 1
            out.note_mount[i], out.note_placement[i] = mid, place
            offer, at = int(notes.offer[i]), int(notes.publish_us[i])
            _add_mount(out.cols, mid, offer, i + 1, who, PLACEMENTS[place], at)
    for b, aid in enumerate(acc.ids["brand"].tolist()):  # each brand's card in search results
        mid = len(out.cols["mount_id"]) + 1
        _add_mount(out.cols, mid, offers.of_brand[b][0], None, aid, "search_card", t0)
    return out


def _texts_stage(
    acc: Accounts, notes: _Notes, rng: np.random.Generator
) -> tuple[list[str], schemas.Columns]:
    """Each note's product, title and body: the notes table."""
    products: list[str] = []
    cols: schemas.Columns = {c: [] for c in schemas.NOTES.names}
    for i in range(len(notes.author)):
        cat = CATEGORIES[int(notes.category[i])]
        product = note_text.product_name(rng, cat)
        products.append(product)
        b, k = int(notes.brand[i]), int(notes.kind[i])
        brand = acc.brand_names[b] if b >= 0 and k != ORGANIC else None
        promo, medical = k in (PROMO_UNREG, BRAND), k == MEDICAL
        cols["note_id"].append(i + 1)
        cols["author_id"].append(int(notes.author[i]))
        cols["category"].append(cat)
        cols["title"].append(note_text.title(rng, cat, product))
        cols["body"].append(
            note_text.body(rng, cat, product, brand=brand, promo=promo, medical=medical)
        )
        cols["published_at"].append(int(notes.publish_us[i]))
    return products, cols


def _collabs_stage(acc: Accounts, notes: _Notes, rng: np.random.Generator) -> schemas.Columns:
    collab: schemas.Columns = {c: [] for c in schemas.COLLAB_REGISTRATIONS.names}
    for i in np.flatnonzero(notes.kind == COLLAB).tolist():
        collab["registration_id"].append(len(collab["registration_id"]) + 1)
        collab["brand_id"].append(int(acc.ids["brand"][int(notes.brand[i])]))
        collab["creator_id"].append(int(notes.author[i]))
        collab["note_id"].append(i + 1)
        collab["fee"].append(round(float(rng.lognormal(7.0, 1.0)), 0))
        at = int(notes.publish_us[i]) - int(rng.integers(1, 10)) * US_PER_DAY
        collab["registered_at"].append(at)
    return collab


def _add_mount(
    mounts: schemas.Columns,
    mid: int,
    offer: int,
    note_id: int | None,
    account_id: int,
    placement: str,
    at_us: int,
    window: tuple[int, int] | None = None,
) -> None:
    mounts["mount_id"].append(mid)
    mounts["offer_id"].append(offer + 1)
    mounts["note_id"].append(note_id)
    mounts["account_id"].append(account_id)
    mounts["placement"].append(placement)
    mounts["created_at"].append(at_us)
    mounts["starts_at"].append(window[0] if window else None)
    mounts["expires_at"].append(window[1] if window else None)

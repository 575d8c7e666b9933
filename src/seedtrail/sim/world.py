"""The world's entities: accounts, notes, partners, offers, link mounts and collab registrations.

Built once per run (sizes are in the hundreds of thousands at most), kept as numpy arrays for the
behaviour engine plus Arrow tables for the writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from seedtrail.sim import schemas
from seedtrail.sim.spec import CATEGORIES, PARTNERS, WorldSpec
from seedtrail.sim.streams import stream
from seedtrail.sim.text import notes as note_text

US_PER_DAY = 86_400 * 1_000_000

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
CREATOR_BIOS = (
    "坐标{city}｜{h}cm｜分享日常",
    "{y}后宝妈，记录带娃生活",
    "护肤{n}年，成分党",
    "{city}打工人，周末露营",
    "只分享自用好物，不接硬广",
    "数码博主｜测评第{n}年",
)


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

    @property
    def n_notes(self) -> int:
        return len(self.note_author)


def _accounts(spec: WorldSpec, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], list]:
    groups = [
        ("creator", spec.creators, 6.0, 2.0),
        ("brand", spec.brands, 9.0, 1.2),
        ("enterprise", spec.enterprises, 7.0, 1.2),
        ("water_army", spec.water_army_accounts, 2.0, 1.0),
        ("diverter", spec.diversion_accounts, 3.0, 1.0),
    ]
    ids: dict[str, np.ndarray] = {}
    next_id = 1
    rows: list = []
    for kind, count, mu, sigma in groups:
        ids[kind] = np.arange(next_id, next_id + count, dtype=np.int64)
        followers = np.minimum(rng.lognormal(mu, sigma, count), 5e7).astype(np.int64)
        cats = rng.integers(0, len(CATEGORIES), count)
        rows.append((kind, ids[kind], followers, cats))
        next_id += count
    return ids, rows


def build_world(spec: WorldSpec, seed: int) -> World:
    rng = stream(seed, "world")
    t0 = start_us(spec)
    ids, groups = _accounts(spec, rng)
    account_kind: dict[int, str] = {}
    acc_cols: dict[str, list] = {c: [] for c in schemas.ACCOUNTS.names}
    followers_of: dict[int, int] = {}
    category_of: dict[int, int] = {}
    for kind, aids, followers, cats in groups:
        for aid, fol, cat in zip(aids.tolist(), followers.tolist(), cats.tolist(), strict=True):
            account_kind[aid] = kind
            followers_of[aid] = fol
            category_of[aid] = cat
            acc_cols["account_id"].append(aid)
            acc_cols["kind"].append(kind)
            acc_cols["display_name"].append(f"{kind[:2]}{aid:06d}")
            acc_cols["followers"].append(fol)
            acc_cols["category"].append(CATEGORIES[cat])
            acc_cols["bio"].append(_bio(rng, kind))
            acc_cols["created_at"].append(t0 - int(rng.integers(30, 2000)) * US_PER_DAY)
    brand_ids = ids["brand"]
    brand_names = [note_text.brand_name(rng) + f"{i}" * (i > 40) for i in range(len(brand_ids))]
    for i, aid in enumerate(brand_ids.tolist()):
        acc_cols["display_name"][aid - 1] = brand_names[i] + "官方"
    brand_category = np.array([category_of[b] for b in brand_ids.tolist()], dtype=np.int64)
    enterprise_brand = rng.integers(0, len(brand_ids), len(ids["enterprise"]))

    # offers: every brand sells on every partner, some more than once
    off_partner, off_brand, off_price, off_item, off_title = [], [], [], [], []
    for b in range(len(brand_ids)):
        for k in range(int(rng.integers(3, 7))):
            p = k if k < len(PARTNERS) else int(rng.choice(len(PARTNERS), p=[0.45, 0.4, 0.15]))
            cat = CATEGORIES[int(brand_category[b])]
            product = note_text.product_name(rng, cat)
            off_partner.append(p)
            off_brand.append(b)
            off_price.append(round(float(rng.lognormal(4.6, 0.8)), 1))
            off_item.append(f"{PARTNERS[p].key_prefix}{int(rng.integers(10**8, 10**9))}")
            off_title.append(f"{brand_names[b]}{product}")
    offer_partner = np.array(off_partner, dtype=np.int64)
    offer_brand = np.array(off_brand, dtype=np.int64)
    offers_of_brand: list[list[int]] = [[] for _ in brand_ids]
    for i, b in enumerate(off_brand):
        offers_of_brand[b].append(i)

    # notes
    author, kind, nbrand, cat_l = [], [], [], []
    for aid in ids["creator"].tolist():
        count = int(rng.poisson(spec.notes_per_creator * (0.5 + min(followers_of[aid], 1e5) / 1e5)))
        for _ in range(count):
            author.append(aid)
            cat = category_of[aid] if rng.random() < 0.8 else int(rng.integers(len(CATEGORIES)))
            cat_l.append(cat)
            u = rng.random()
            same_cat = np.flatnonzero(brand_category == cat)
            b = int(rng.choice(same_cat)) if len(same_cat) else int(rng.integers(len(brand_ids)))
            if u < spec.unregistered_promo_share:
                kind.append(PROMO_UNREG)
            elif u < spec.unregistered_promo_share + spec.medical_claim_share and cat < 2:
                kind.append(MEDICAL)
            elif u < 0.15:
                kind.append(COLLAB)
            elif u < 0.4:
                kind.append(MENTION)
            else:
                kind.append(ORGANIC)
                b = -1
            nbrand.append(b)
    for group, per in (("brand", spec.notes_per_brand), ("enterprise", spec.notes_per_brand / 2)):
        for j, aid in enumerate(ids[group].tolist()):
            b = j if group == "brand" else int(enterprise_brand[j])
            for _ in range(max(1, int(rng.poisson(per)))):
                author.append(aid)
                kind.append(BRAND)
                nbrand.append(b)
                cat_l.append(int(brand_category[b]))
    n = len(author)
    note_author = np.array(author, dtype=np.int64)
    note_kind = np.array(kind, dtype=np.int8)
    note_brand = np.array(nbrand, dtype=np.int64)
    note_category = np.array(cat_l, dtype=np.int8)
    fol = np.array([followers_of[a] for a in author], dtype=np.float64)
    note_popularity = (fol + 50.0) ** 0.6 * rng.lognormal(0.0, 0.8, n)
    publish_day = rng.integers(-10, max(1, spec.days - 1), n)
    note_publish_us = t0 + publish_day * US_PER_DAY + rng.integers(0, US_PER_DAY, n)
    note_offer = np.full(n, -1, dtype=np.int64)
    for i in np.flatnonzero(note_brand >= 0).tolist():
        options = offers_of_brand[int(note_brand[i])]
        note_offer[i] = options[int(rng.integers(len(options)))]

    # link mounts: brand notes and registered collabs on the note or a pinned comment;
    # enterprise accounts via their profile card
    note_mount = np.full(n, -1, dtype=np.int64)
    note_placement = np.full(n, -1, dtype=np.int8)
    mounts: dict[str, list] = {c: [] for c in schemas.LINK_MOUNTS.names}
    enterprise_mount: dict[int, int] = {}
    for j, aid in enumerate(ids["enterprise"].tolist()):
        options = offers_of_brand[int(enterprise_brand[j])]
        mini = [o for o in options if offer_partner[o] == 2] or options
        mid = len(mounts["mount_id"]) + 1
        enterprise_mount[aid] = mid
        _add_mount(mounts, mid, mini[0], None, aid, "profile_card", t0 - 5 * US_PER_DAY)
    for i in range(n):
        k = int(note_kind[i])
        u = rng.random()
        if k == BRAND and account_kind[int(note_author[i])] == "enterprise":
            note_mount[i] = enterprise_mount[int(note_author[i])]
            note_placement[i] = 2
            continue
        place = -1
        if (k == BRAND and u < 0.8) or (k == COLLAB and u < 0.5):
            place = 0
        elif k == COLLAB and u < 0.8:
            place = 1
        if place >= 0:
            mid = len(mounts["mount_id"]) + 1
            note_mount[i], note_placement[i] = mid, place
            _add_mount(
                mounts,
                mid,
                int(note_offer[i]),
                i + 1,
                int(note_author[i]),
                PLACEMENTS[place],
                int(note_publish_us[i]),
            )

    # titles and bodies
    products: list[str] = []
    cols: dict[str, list] = {c: [] for c in schemas.NOTES.names}
    for i in range(n):
        cat = CATEGORIES[int(note_category[i])]
        product = note_text.product_name(rng, cat)
        products.append(product)
        b = int(note_brand[i])
        k = int(note_kind[i])
        brand = brand_names[b] if b >= 0 and k != ORGANIC else None
        cols["note_id"].append(i + 1)
        cols["author_id"].append(int(note_author[i]))
        cols["category"].append(cat)
        cols["title"].append(note_text.title(rng, cat, product))
        cols["body"].append(
            note_text.body(
                rng,
                cat,
                product,
                brand=brand,
                promo=k in (PROMO_UNREG, BRAND),
                medical=k == MEDICAL,
            )
        )
        cols["published_at"].append(int(note_publish_us[i]))
    collab: dict[str, list] = {c: [] for c in schemas.COLLAB_REGISTRATIONS.names}
    for i in np.flatnonzero(note_kind == COLLAB).tolist():
        collab["registration_id"].append(len(collab["registration_id"]) + 1)
        collab["brand_id"].append(int(brand_ids[int(note_brand[i])]))
        collab["creator_id"].append(int(note_author[i]))
        collab["note_id"].append(i + 1)
        collab["fee"].append(round(float(rng.lognormal(7.0, 1.0)), 0))
        collab["registered_at"].append(
            int(note_publish_us[i]) - int(rng.integers(1, 10)) * US_PER_DAY
        )
    partners = pa.table(
        {
            "partner": [p.slug for p in PARTNERS],
            "name": [p.name for p in PARTNERS],
            "kind": [p.kind for p in PARTNERS],
            "declared_sample_rate": [p.sample_rate for p in PARTNERS],
        },
        schema=schemas.PARTNERS,
    )
    offers = pa.table(
        {
            "offer_id": np.arange(1, len(off_brand) + 1, dtype=np.int64),
            "partner": [PARTNERS[p].slug for p in off_partner],
            "brand_id": brand_ids[offer_brand],
            "item_id": off_item,
            "title": off_title,
            "category": [CATEGORIES[int(brand_category[b])] for b in off_brand],
            "price": off_price,
            "currency": ["CNY"] * len(off_brand),
        },
        schema=schemas.OFFERS,
    )
    return World(
        spec=spec,
        start_us=t0,
        accounts=pa.table(acc_cols, schema=schemas.ACCOUNTS),
        account_kind=account_kind,
        brand_ids=brand_ids,
        brand_names=brand_names,
        brand_category=brand_category,
        note_author=note_author,
        note_category=note_category,
        note_popularity=note_popularity,
        note_publish_us=note_publish_us,
        note_kind=note_kind,
        note_brand=note_brand,
        note_offer=note_offer,
        note_mount=note_mount,
        note_placement=note_placement,
        note_product=products,
        notes=pa.table(cols, schema=schemas.NOTES),
        offer_partner=offer_partner,
        offer_price=np.array(off_price),
        offer_item=off_item,
        offer_brand=offer_brand,
        offers=offers,
        partners=partners,
        link_mounts=pa.table(mounts, schema=schemas.LINK_MOUNTS),
        mount_offer=np.array(mounts["offer_id"], dtype=np.int64) - 1,
        collab_registrations=pa.table(collab, schema=schemas.COLLAB_REGISTRATIONS),
    )


def _add_mount(
    mounts: dict[str, list],
    mid: int,
    offer: int,
    note_id: int | None,
    account_id: int,
    placement: str,
    at_us: int,
) -> None:
    mounts["mount_id"].append(mid)
    mounts["offer_id"].append(offer + 1)
    mounts["note_id"].append(note_id)
    mounts["account_id"].append(account_id)
    mounts["placement"].append(placement)
    mounts["created_at"].append(at_us)


def _bio(rng: np.random.Generator, kind: str) -> str:
    if kind not in ("creator", "water_army"):
        return ""
    template = CREATOR_BIOS[int(rng.integers(len(CREATOR_BIOS)))]
    return template.format(
        city=("上海", "成都", "杭州", "深圳")[int(rng.integers(4))],
        h=int(rng.integers(150, 185)),
        y=(85, 90, 95, "00")[int(rng.integers(4))],
        n=int(rng.integers(2, 12)),
    )

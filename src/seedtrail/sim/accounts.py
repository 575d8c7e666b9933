"""The world's accounts and offers: the first stages of :func:`seedtrail.sim.world.build_world`
(each brand's offers on the partners, the accounts of every kind with their followers and bios),
and the partners and offers tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from seedtrail.sim import ownshop, schemas
from seedtrail.sim.spec import CATEGORIES, PARTNERS, WorldSpec
from seedtrail.sim.text import notes as note_text

US_PER_DAY = 86_400 * 1_000_000

CREATOR_BIOS = (
    "坐标{city}｜{h}cm｜分享日常",
    "{y}后宝妈，记录带娃生活",
    "护肤{n}年，成分党",
    "{city}打工人，周末露营",
    "只分享自用好物，不接硬广",
    "数码博主｜测评第{n}年",
)


@dataclass
class Accounts:
    ids: dict[str, np.ndarray]  # account ids per kind
    kind: dict[int, str]
    followers: dict[int, int]
    category: dict[int, int]
    cols: schemas.Columns  # the accounts table
    brand_names: list[str]
    brand_category: np.ndarray
    enterprise_brand: np.ndarray  # index into brands, per enterprise account


@dataclass
class Offers:
    partner: np.ndarray
    brand: np.ndarray
    price: list[float]
    item: list[str]
    title: list[str]
    of_brand: list[list[int]]  # offer indexes per brand index


_ACCOUNT_GROUPS = (  # kind, spec attribute with the count, log-normal followers (mu, sigma)
    ("creator", "creators", 6.0, 2.0),
    ("brand", "brands", 9.0, 1.2),
    ("enterprise", "enterprises", 7.0, 1.2),
    ("water_army", "water_army_accounts", 2.0, 1.0),
    ("diverter", "diversion_accounts", 3.0, 1.0),
)


def accounts_stage(spec: WorldSpec, rng: np.random.Generator, t0: int) -> Accounts:
    ids: dict[str, np.ndarray] = {}
    cols: schemas.Columns = {c: [] for c in schemas.ACCOUNTS.names}
    acc = Accounts(ids, {}, {}, {}, cols, [], np.zeros(0), np.zeros(0))
    next_id = 1
    for kind, attribute, mu, sigma in _ACCOUNT_GROUPS:
        count = int(getattr(spec, attribute))
        ids[kind] = np.arange(next_id, next_id + count, dtype=np.int64)
        next_id += count
        followers = np.minimum(rng.lognormal(mu, sigma, count), 5e7).astype(np.int64)
        cats = rng.integers(0, len(CATEGORIES), count)
        for aid, fol, cat in zip(
            ids[kind].tolist(), followers.tolist(), cats.tolist(), strict=True
        ):
            acc.kind[aid], acc.followers[aid], acc.category[aid] = kind, fol, cat
            acc.cols["account_id"].append(aid)
            acc.cols["kind"].append(kind)
            acc.cols["display_name"].append(f"{kind[:2]}{aid:06d}")
            acc.cols["followers"].append(fol)
            acc.cols["category"].append(CATEGORIES[cat])
            acc.cols["bio"].append(_bio(rng, kind))
            acc.cols["created_at"].append(t0 - int(rng.integers(30, 2000)) * US_PER_DAY)
    brand_ids = ids["brand"]
    acc.brand_names = [note_text.brand_name(rng) + f"{i}" * (i > 40) for i in range(len(brand_ids))]
    for i, aid in enumerate(brand_ids.tolist()):
        acc.cols["display_name"][aid - 1] = acc.brand_names[i] + "官方"
    acc.brand_category = np.array([acc.category[b] for b in brand_ids.tolist()], dtype=np.int64)
    acc.enterprise_brand = rng.integers(0, len(brand_ids), len(ids["enterprise"]))
    return acc


def offers_stage(acc: Accounts, rng: np.random.Generator) -> Offers:
    """Every brand sells on every partner, some more than once."""
    partner, brand, price, item, title = [], [], [], [], []
    for b in range(len(acc.ids["brand"])):
        for k in range(int(rng.integers(3, 7))):
            ext = ownshop.EXTERNAL  # the own shop stocks its products apart (sim.ownshop)
            p = k if k < ext else int(rng.choice(ext, p=[0.45, 0.4, 0.15]))
            product = note_text.product_name(rng, CATEGORIES[int(acc.brand_category[b])])
            partner.append(p)
            brand.append(b)
            price.append(round(float(rng.lognormal(4.6, 0.8)), 1))
            item.append(f"{PARTNERS[p].key_prefix}{int(rng.integers(10**8, 10**9))}")
            title.append(f"{acc.brand_names[b]}{product}")
    of_brand: list[list[int]] = [[] for _ in acc.ids["brand"]]
    for i, b in enumerate(brand):
        of_brand[b].append(i)
    return Offers(
        np.array(partner, dtype=np.int64), np.array(brand, dtype=np.int64), price, item, title,
        of_brand,
    )  # fmt: skip


def partners_table() -> pa.Table:
    return pa.table(
        {
            "partner": [p.slug for p in PARTNERS],
            "name": [p.name for p in PARTNERS],
            "kind": [p.kind for p in PARTNERS],
            "declared_sample_rate": [p.sample_rate for p in PARTNERS],
        },
        schema=schemas.PARTNERS,
    )


def offers_table(acc: Accounts, offers: Offers) -> pa.Table:
    brands = offers.brand.tolist()
    return pa.table(
        {
            "offer_id": np.arange(1, len(brands) + 1, dtype=np.int64),
            "partner": [PARTNERS[p].slug for p in offers.partner.tolist()],
            "brand_id": acc.ids["brand"][offers.brand],
            "item_id": offers.item,
            "title": offers.title,
            "category": [CATEGORIES[int(acc.brand_category[b])] for b in brands],
            "price": offers.price,
            "currency": ["CNY"] * len(brands),
        },
        schema=schemas.OFFERS,
    )


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

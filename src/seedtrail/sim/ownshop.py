"""The community's own shop (号店一体) and its buyers (买手) in a simulated world.

The own shop is the last partner of :data:`seedtrail.sim.spec.PARTNERS` (kind ``own_shop``, every
order sent back). It stocks one product of about half the brands (:func:`stock`); buyers, accounts
of kind ``buyer``, post notes recommending those products with a link on the note card
(:func:`buyer_accounts`, :func:`buyer_notes`), so people who read a buyer's note tap through to the
own shop and buy there like anywhere else (the behaviour and shop engines treat the notes as
product mentions with a link). The own shop records its orders itself: an order keeps the click
id of the tap that brought it however late it comes, and so does its refund (other shops lose it
after three days and never send it with refunds). Each part draws from its own random stream and
is appended after the world's other entities, so a world's brands, creators, notes and links are
drawn as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.sim.spec import CATEGORIES, PARTNERS, WorldSpec
from seedtrail.sim.text import notes as note_text

#: The own shop's index in PARTNERS; brands sell on the ones before it by themselves.
OWN_SHOP = next(i for i, p in enumerate(PARTNERS) if p.kind == "own_shop")
EXTERNAL = OWN_SHOP
STOCK_SHARE = 0.5  # brands one of whose products the own shop stocks
#: A buyer's commission on the net GMV its links bring (the loader sets it on each buyer).
BUYER_COMMISSION = 0.1
US_PER_DAY = 86_400 * 1_000_000


@dataclass
class Stock:
    brand: list[int]  # index into brands
    price: list[float]
    item: list[str]
    title: list[str]


def stock(brand_category: np.ndarray, brand_names: list[str], rng: np.random.Generator) -> Stock:
    """One product of each stocked brand, on the own shop."""
    out = Stock([], [], [], [])
    prefix = PARTNERS[OWN_SHOP].key_prefix
    for b in np.flatnonzero(rng.random(len(brand_category)) < STOCK_SHARE).tolist():
        product = note_text.product_name(rng, CATEGORIES[int(brand_category[b])])
        out.brand.append(int(b))
        out.price.append(round(float(rng.lognormal(4.4, 0.7)), 1))
        out.item.append(f"{prefix}{int(rng.integers(10**8, 10**9))}")
        out.title.append(f"{brand_names[b]}{product}")
    return out


@dataclass
class Buyers:
    ids: np.ndarray
    followers: list[int]
    category: list[int]
    created_us: list[int]


#: Buyers' followers: log-normal (mu, sigma), larger audiences than most creators (they sell).
BUYER_FOLLOWERS = (8.5, 1.0)


def buyer_accounts(spec: WorldSpec, next_id: int, rng: np.random.Generator, t0: int) -> Buyers:
    count = int(spec.buyers)
    ids = np.arange(next_id, next_id + count, dtype=np.int64)
    followers = np.minimum(rng.lognormal(*BUYER_FOLLOWERS, count), 5e7).astype(np.int64).tolist()
    category = rng.integers(0, len(CATEGORIES), count).tolist()
    created = (t0 - rng.integers(30, 2000, count) * US_PER_DAY).tolist()
    return Buyers(ids, followers, category, created)


@dataclass
class BuyerNotes:
    author: list[int]
    brand: list[int]
    category: list[int]
    offer: list[int]  # index into the world's offers
    popularity: np.ndarray
    publish_us: np.ndarray


def buyer_notes(
    spec: WorldSpec,
    buyers: Buyers,
    stocked: list[int],
    stocked_brand: list[int],
    brand_category: np.ndarray,
    rng: np.random.Generator,
    t0: int,
) -> BuyerNotes:
    """Each buyer's notes, each recommending one stocked product (``stocked``: offer indexes,
    ``stocked_brand``: their brands), of its own category when the shop has one."""
    out = BuyerNotes([], [], [], [], np.zeros(0), np.zeros(0, dtype=np.int64))
    if not stocked:
        return out
    cats = np.array([int(brand_category[b]) for b in stocked_brand])
    fol: list[float] = []
    for aid, f, cat in zip(buyers.ids.tolist(), buyers.followers, buyers.category, strict=True):
        mine = np.flatnonzero(cats == cat)
        options = mine if len(mine) else np.arange(len(stocked))
        for _ in range(int(rng.poisson(spec.notes_per_creator))):
            j = int(options[int(rng.integers(len(options)))])
            out.author.append(aid)
            out.brand.append(stocked_brand[j])
            out.category.append(int(cats[j]))
            out.offer.append(stocked[j])
            fol.append(f)
    n = len(out.author)
    out.popularity = (np.array(fol) + 50.0) ** 0.6 * rng.lognormal(0.0, 0.8, n)
    day = rng.integers(-10, max(1, spec.days - 1), n)
    out.publish_us = t0 + day * US_PER_DAY + rng.integers(0, US_PER_DAY, n)
    return out

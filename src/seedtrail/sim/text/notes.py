"""Note titles and bodies, including the bad kinds: unregistered promotion and medical claims."""

from __future__ import annotations

import numpy as np

from seedtrail.sim.text import lexicon as lx


def brand_name(rng: np.random.Generator) -> str:
    stems = lx.BRAND_STEMS
    return (
        stems[int(rng.integers(len(stems)))]
        + stems[int(rng.integers(len(stems)))]
        + lx.BRAND_SUFFIX[int(rng.integers(len(lx.BRAND_SUFFIX)))]
    )


def product_name(rng: np.random.Generator, category: str) -> str:
    products = lx.PRODUCTS[category]
    return products[int(rng.integers(len(products)))]


def title(rng: np.random.Generator, category: str, product: str) -> str:
    template = lx.TITLE_TEMPLATES[int(rng.integers(len(lx.TITLE_TEMPLATES)))]
    adjs = lx.ADJECTIVES[category]
    return template.format(
        adj=adjs[int(rng.integers(len(adjs)))],
        product=product,
        n=int(rng.integers(2, 9)),
        season=lx.SEASONS[int(rng.integers(len(lx.SEASONS)))],
        city=lx.CITIES[int(rng.integers(len(lx.CITIES)))],
    )


def body(
    rng: np.random.Generator,
    category: str,
    product: str,
    *,
    brand: str | None = None,
    promo: bool = False,
    medical: bool = False,
) -> str:
    sentences = list(lx.BODY_SENTENCES)
    picks = rng.choice(len(sentences), size=3, replace=False)
    parts = [f"今天聊聊{brand + '的' if brand else ''}{product}。"]
    parts += [sentences[int(i)] for i in picks]
    if medical:
        parts.insert(1, lx.MEDICAL_CLAIMS[int(rng.integers(len(lx.MEDICAL_CLAIMS)))] + "。")
    if promo and brand:
        line = lx.PROMO_LINES[int(rng.integers(len(lx.PROMO_LINES)))]
        parts.append(line.format(brand=brand, product=product))
    tags = f"#{product} #{lx.ADJECTIVES[category][int(rng.integers(6))]}"
    return "".join(parts) + "\n" + tags

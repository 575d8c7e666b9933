"""Organic comments, built column-wise with pyarrow so millions cost seconds.

A comment is ``opener + body + [number phrase] + closer``. About a third carry a number that is
not a contact (a price, a size, a date, an order number) so diversion detectors meet realistic
hard negatives.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.sim.spec import CATEGORIES
from seedtrail.sim.text import lexicon as lx


def _pick(rng: np.random.Generator, pool: pa.Array, n: int) -> pa.Array:
    return pool.take(pa.array(rng.integers(0, len(pool), n)))


def _digits(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, pa.int64()), pa.string())


def organic_comments(rng: np.random.Generator, category: np.ndarray) -> pa.Array:
    """One organic comment per element of ``category`` (codes into :data:`CATEGORIES`)."""
    n = len(category)
    if n == 0:
        return pa.array([], pa.string())
    openers = pa.array(lx.ORGANIC_OPENERS)
    opener = _pick(rng, openers, n)
    sep = pc.if_else(pc.equal(opener, ""), "", "，")
    # body: generic or category-specific
    per_cat = [lx.ORGANIC_BY_CATEGORY[c] for c in CATEGORIES]
    width = max(len(p) for p in per_cat)
    flat = [p[i % len(p)] for p in per_cat for i in range(width)]
    cat_pool = pa.array(flat)
    cat_idx = category.astype(np.int64) * width + rng.integers(0, width, n)
    generic_idx = rng.integers(0, len(lx.ORGANIC_GENERIC), n)
    use_cat = rng.random(n) < 0.45
    body = pc.if_else(
        pa.array(use_cat),
        cat_pool.take(pa.array(cat_idx)),
        pa.array(lx.ORGANIC_GENERIC).take(pa.array(generic_idx)),
    )
    numbers = _number_phrases(rng, n)
    closer = _pick(rng, pa.array(lx.ORGANIC_CLOSERS), n)
    return pc.binary_join_element_wise(opener, sep, body, numbers, closer, "")


def _number_phrases(rng: np.random.Generator, n: int) -> pa.Array:
    phrases = lx.NUMBER_PHRASES
    kind = rng.integers(0, len(phrases), n)
    table = np.array([p[3:] for p in phrases], dtype=np.int64)
    lo1, hi1, lo2, hi2 = (table[kind, i] for i in range(4))
    n1 = lo1 + (rng.random(n) * (hi1 - lo1 + 1)).astype(np.int64)
    n2 = lo2 + (rng.random(n) * (hi2 - lo2 + 1)).astype(np.int64)
    two = hi2 > 0
    pre = pa.array([p[0] for p in phrases]).take(pa.array(kind))
    mid = pa.array([p[1] for p in phrases]).take(pa.array(kind))
    post = pa.array([p[2] for p in phrases]).take(pa.array(kind))
    second = pc.if_else(pa.array(two), _digits(n2), "")
    short = pc.binary_join_element_wise("，", pre, _digits(n1), mid, second, post, "")
    # a few long order/tracking numbers: 12-16 digits, never a phone number shape
    longs = lx.LONG_NUMBER_PHRASES
    lkind = rng.integers(0, len(longs), n)
    long_num = rng.integers(10**11, 10**15, n) * 10 + 9  # ends in 9: distinct from phones by length
    long_txt = pc.binary_join_element_wise(
        "，",
        pa.array([x[0] for x in longs]).take(pa.array(lkind)),
        _digits(long_num),
        pa.array([x[1] for x in longs]).take(pa.array(lkind)),
        "",
    )
    u = rng.random(n)
    with_long = pc.if_else(pa.array(u < 0.02), long_txt, short)
    return pc.if_else(pa.array(u < 0.33), with_long, "")


def camouflage_comments(rng: np.random.Generator, n: int) -> list[str]:
    """Generic, bland comments water-army accounts post elsewhere to look human."""
    cats = rng.integers(0, len(CATEGORIES), n)
    return [str(s) for s in organic_comments(rng, cats).to_pylist()]

"""The scan's fast path (distinct texts, RE2 prefilters) flags exactly what :meth:`detect` flags
on every item, on the detector's own corpus and on the independent one, as comments, notes,
bios and messages, with repeated texts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from seedtrail.integrity.evaluation import diversion_corpus, independent_corpus
from seedtrail.integrity.scan import Scanner, distinct
from seedtrail.integrity.sources import Item

BRANDS = ["花雪集", "兰蔻", "雅诗兰黛"]
KINDS = ["comment", "comment", "note", "profile", "dm"]


def _texts() -> list[str]:
    r = random.Random(5)
    own = [d["text"] for d in diversion_corpus.generate(9, per_cell=3, organic_n=400)]
    records = list(independent_corpus.generate(seed=3, per_family=10))
    reviews = [x.text for x in records if x.family == "real_review"]
    others = [x.text for x in records if x.family != "real_review"]
    words = ["祛斑", "100%有效", "花雪集", "兰蔻", "限时折扣", "链接", "好用", "旗舰店", " "]
    extra = ["".join(r.choice(words) for _ in range(r.randint(1, 5))) for _ in range(300)]
    texts = own + others + r.sample(reviews, 800) + extra
    return texts + r.sample(texts, len(texts) // 3)  # water-army style repeats


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(brands=BRANDS, registered={"n7"})


def test_fast_path_flags_what_every_item_would(scanner: Scanner) -> None:
    texts = _texts()
    r = random.Random(2)
    items = [Item(f"n{i}", t, f"a{i % 97}", kind=r.choice(KINDS)) for i, t in enumerate(texts)]
    slow = {}
    for j, it in enumerate(items):
        f = scanner.detect(it)
        if f:
            slow[j] = f
    fast: dict[int, object] = {}
    for s in range(0, len(items), 700):
        found, _ = scanner.scan_batch(items[s : s + 700])
        fast.update((s + j, f) for j, f in found.items())
    assert fast == slow
    kinds = {items[j].kind for j in slow}
    assert {"comment", "note", "profile", "dm"} <= kinds  # every kind has findings here
    assert any(f.kind == "brand" for j in slow for f in slow[j])  # soft ads reached the notes
    assert len(slow) > len(items) // 10


def test_repeated_texts_get_the_sketch_of_their_own(scanner: Scanner) -> None:
    texts = [
        "姐妹们这个精华真的好用",
        "求链接求链接",
        "姐妹们这个精华真的好用",
        "x",
        "求链接求链接",
    ]
    items = [Item(str(i), t) for i, t in enumerate(texts)]
    _, sk = scanner.scan_batch(items)
    one = [scanner.scan_batch([it])[1] for it in items]
    assert np.array_equal(sk.bands, np.concatenate([o.bands for o in one]))
    assert np.array_equal(sk.sketch, np.concatenate([o.sketch for o in one]))
    assert sk.valid.tolist() == [o.valid[0] for o in one]
    uniq, inverse = distinct(texts)
    assert uniq == ["姐妹们这个精华真的好用", "求链接求链接", "x"]
    assert inverse.tolist() == [0, 1, 0, 2, 1]

from __future__ import annotations

import numpy as np

from seedtrail.integrity.minhash import LshParams, MinHasher, Sketches, cluster, estimate

SCRIPT = [
    "花雪集的精华真的绝了，用了3天效果肉眼可见！",
    "花雪集的精华真的绝了，亲测用了5天效果肉眼可见",
    "花雪集的精华真的绝了 用了2天效果肉眼可见👍👍",
    "花雪集的精华真的绝了，用了4天效果肉眼可见～",
]
OTHER = [
    "今天去爬山了，天气很好，风景也不错",
    "这个颜色太适合黄皮了，求色号",
    "快递三天就到了，包装很仔细",
    "有没有姐妹知道这家店在哪里",
]


def test_templated_variants_cluster_and_others_do_not() -> None:
    sk = MinHasher().sketches(SCRIPT + OTHER)
    cl = cluster(sk, min_size=3)
    labels = cl.label.tolist()
    assert len(set(labels[:4])) == 1 and labels[0] >= 0
    assert all(x == -1 for x in labels[4:])
    assert [len(m) for m in cl.members()] == [4]


def test_sketch_layout_is_compact() -> None:
    p = LshParams(bands=20, rows=3)
    sk = MinHasher(p).sketches(SCRIPT)
    assert sk.bands.dtype == np.uint64 and sk.bands.shape == (4, 20)
    assert sk.sketch.dtype == np.uint8 and sk.sketch.shape == (4, 60)


def test_short_texts_are_not_clustered() -> None:
    sk = MinHasher().sketches(["好看", "好看", "好看", "好看！", "求链接"])
    assert not sk.valid.any()
    assert (cluster(sk).label == -1).all()


def test_estimate_tracks_jaccard() -> None:
    mh = MinHasher(LshParams(bands=50, rows=4))
    a = "".join(chr(0x4E00 + i) for i in range(200))
    b = a[:100] + "".join(chr(0x5E00 + i) for i in range(100))  # about 1/3 of 2-grams shared
    sk = mh.sketches([a, a, b])
    same, half = estimate(sk.sketch, np.array([0, 0]), np.array([1, 2]))
    assert same == 1.0
    assert 0.2 < half < 0.45


def test_batches_concatenate_like_one_pass() -> None:
    mh = MinHasher()
    whole = mh.sketches(SCRIPT + OTHER)
    parts = Sketches.concat([mh.sketches(SCRIPT), mh.sketches(OTHER)])
    assert (whole.bands == parts.bands).all() and (whole.sketch == parts.sketch).all()


def test_chains_are_cut_around_centres() -> None:
    # 60 texts where neighbours share most 2-grams but the ends share none: one chain
    base = [chr(0x4E00 + i) for i in range(400)]
    texts = ["".join(base[i * 5 : i * 5 + 30]) for i in range(60)]
    cl = cluster(MinHasher().sketches(texts), threshold=0.45, min_size=2)
    assert len(cl.members()) > 1
    assert max(len(m) for m in cl.members()) < 60


def test_agreeing_counts_equal_bytes_like_a_plain_comparison() -> None:
    from seedtrail.integrity.minhash import _agreeing

    rng = np.random.default_rng(5)
    sketch = rng.integers(0, 3, (500, 60)).astype(np.uint8)  # few values: many agreements
    left, right = rng.integers(0, 500, 5000), rng.integers(0, 500, 5000)
    plain = np.count_nonzero(sketch[left] == sketch[right], axis=1)
    assert np.array_equal(_agreeing(sketch, left, right), plain)
    odd = sketch[:, :58].copy()  # width not a multiple of four: the plain path
    assert np.array_equal(
        _agreeing(odd, left, right), np.count_nonzero(odd[left] == odd[right], axis=1)
    )


def test_candidate_pairs_are_distinct_and_ordered() -> None:
    from seedtrail.integrity.minhash import _candidates

    texts = ["花雪集的精华真的绝了用了三天"] * 5 + ["完全不同的一句话而且很长"] * 3 + ["短"]
    left, right = _candidates(MinHasher().sketches(texts))
    pairs = list(zip(left.tolist(), right.tolist(), strict=True))
    assert len(pairs) == len(set(pairs)) and all(a < b for a, b in pairs)
    assert {(0, 1), (5, 6)} <= set(pairs) and all(8 not in p for p in pairs)


def test_drain_concatenates_and_empties_the_parts() -> None:
    mh = MinHasher()
    parts = [mh.sketches(SCRIPT[:2]), mh.sketches(SCRIPT[2:])]
    expected = Sketches.concat(parts)
    whole = Sketches.drain(parts)
    assert parts == []
    assert np.array_equal(whole.bands, expected.bands)
    assert np.array_equal(whole.sketch, expected.sketch)
    assert np.array_equal(whole.valid, expected.valid)
    assert len(Sketches.drain([])) == 0

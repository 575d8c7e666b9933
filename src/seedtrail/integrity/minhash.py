"""Near-duplicate and templated texts: character 2-gram MinHash with banded LSH, all in numpy.

Short Chinese comments need character 2-grams and a low threshold (about 0.45): a water-army
script varied by a filler word, a number and an emoji tail keeps roughly half its 2-grams.

Per text we keep only two small arrays, so ten million comments fit in a few gigabytes:

- ``bands``: ``b`` uint64 band hashes (``r`` MinHash values each), the LSH keys;
- ``sketch``: the ``b * r`` MinHash values cut to their low 8 bits (b-bit MinHash), enough to
  estimate the Jaccard similarity of a candidate pair.

Candidates are texts sharing a band hash. Instead of an in-memory hash table (datasketch's LSH
needs ~9 KB per text), each band column is sorted and runs of equal hashes are read off; each
pair of neighbours in a run is a candidate, kept when its estimated similarity reaches the
threshold. Connected components of the kept pairs are the clusters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from seedtrail.integrity.arrays import unique_ints, unique_inverse
from seedtrail.integrity.normalize import Normalizer

_MIX = np.uint64(0x9E3779B97F4A7C15)
_KEEP_CATEGORIES = ("L", "N")  # letters and digits; spaces, punctuation and emoji are dropped


@dataclass(frozen=True, slots=True)
class LshParams:
    """``bands`` × ``rows`` MinHash values; pairs above ``threshold`` (estimated) are kept."""

    bands: int = 20
    rows: int = 3
    threshold: float = 0.45
    min_shingles: int = 4  # texts with fewer 2-grams (after cleaning) are never clustered
    seed: int = 7

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


@dataclass
class Sketches:
    """Band hashes and b-bit sketches of ``n`` texts (rows with ``valid == False`` are skipped)."""

    bands: np.ndarray  # (n, b) uint64
    sketch: np.ndarray  # (n, b*r) uint8
    valid: np.ndarray  # (n,) bool

    @staticmethod
    def concat(parts: Sequence[Sketches]) -> Sketches:
        if not parts:
            return Sketches(
                np.empty((0, 0), np.uint64), np.empty((0, 0), np.uint8), np.empty(0, bool)
            )
        return Sketches(
            np.concatenate([p.bands for p in parts]),
            np.concatenate([p.sketch for p in parts]),
            np.concatenate([p.valid for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.valid)

    @staticmethod
    def drain(parts: list[Sketches]) -> Sketches:
        """:meth:`concat` that empties ``parts`` field by field, so the pieces and the whole do
        not all stay in memory at once (at 10M texts each copy is 2.2 GB)."""
        if not parts:
            return Sketches.concat(parts)
        whole: dict[str, np.ndarray] = {}
        for name in ("bands", "sketch", "valid"):
            whole[name] = np.concatenate([getattr(p, name) for p in parts])
            for p in parts:
                setattr(p, name, whole[name][:0])  # drop the piece
        parts.clear()
        return Sketches(whole["bands"], whole["sketch"], whole["valid"])


class MinHasher:
    """Computes :class:`Sketches` for batches of texts (vectorized over the whole batch)."""

    def __init__(self, params: LshParams | None = None, normalizer: Normalizer | None = None):
        self.params = params or LshParams()
        self._normalize = normalizer or Normalizer()
        rng = np.random.default_rng(self.params.seed)
        k = self.params.num_perm
        self._a = rng.integers(1, 2**63, k, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, 2**63, k, dtype=np.uint64)
        self._band_salt = rng.integers(1, 2**63, (self.params.bands, self.params.rows), np.uint64)
        self._keep = _keep_table()

    def sketches(self, texts: Sequence[str], *, normalized: bool = False) -> Sketches:
        """Sketches of ``texts`` (already in normal form when ``normalized``)."""
        p = self.params
        n = len(texts)
        folded = list(texts) if normalized else [self._normalize(t).text for t in texts]
        lens = np.fromiter((len(t) for t in folded), dtype=np.int64, count=n)
        codes = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
        doc = np.repeat(np.arange(n, dtype=np.int64), lens)
        keep = self._keep[codes]
        codes, doc = codes[keep], doc[keep]
        same = doc[:-1] == doc[1:]
        shingle = (codes[:-1].astype(np.uint64) << np.uint64(21)) | codes[1:].astype(np.uint64)
        shingle, sdoc = shingle[same], doc[:-1][same]
        counts = np.bincount(sdoc, minlength=n)
        valid = counts >= p.min_shingles
        take = valid[sdoc]
        shingle, sdoc = shingle[take], sdoc[take]
        docs = np.flatnonzero(valid)
        starts = np.searchsorted(sdoc, docs)
        k = p.num_perm
        sig = np.zeros((n, k), dtype=np.uint32)
        if len(docs):
            with np.errstate(over="ignore"):
                mixed = shingle * _MIX
                mixed ^= mixed >> np.uint64(29)
                for i in range(k):
                    h = (mixed * self._a[i] + self._b[i]) >> np.uint64(32)
                    sig[docs, i] = np.minimum.reduceat(h, starts).astype(np.uint32)
        bands = np.zeros((n, p.bands), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(p.bands):
                acc = np.full(n, j + 1, dtype=np.uint64)
                for r in range(p.rows):
                    acc = (acc ^ sig[:, j * p.rows + r].astype(np.uint64)) * self._band_salt[j, r]
                    acc ^= acc >> np.uint64(31)
                bands[:, j] = acc
        return Sketches(bands, (sig & 0xFF).astype(np.uint8), valid)


def estimate(sketch: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of row pairs from their b-bit (8-bit) MinHash sketches."""
    if len(left) == 0:
        return np.empty(0, dtype=np.float64)
    agree = np.empty(len(left), dtype=np.float64)
    step = 1_000_000
    for s in range(0, len(left), step):
        agree[s : s + step] = _agreeing(sketch, left[s : s + step], right[s : s + step])
    agree /= sketch.shape[1]
    chance = 1 / 256
    return np.clip((agree - chance) / (1 - chance), 0.0, 1.0)


_LOW7 = np.uint32(0x7F7F7F7F)
_HIGH = np.uint32(0x80808080)


def _agreeing(sketch: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """How many of the one-byte values agree, per row pair (four bytes at a time)."""
    width = int(sketch.shape[1])
    if width % 4 or not sketch.flags.c_contiguous:
        agreeing: np.ndarray = np.count_nonzero(sketch[left] == sketch[right], axis=1)
        return agreeing
    words = sketch.view(np.uint32)
    x: np.ndarray = words[left] ^ words[right]
    # a byte of x is non-zero iff the high bit of its slot is set in ((x & 0x7f..) + 0x7f..) | x
    x = (((x & _LOW7) + _LOW7) | x) & _HIGH
    differing: np.ndarray = np.bitwise_count(x).sum(axis=1, dtype=np.int64)
    return width - differing


@dataclass(frozen=True)
class Clusters:
    """``label[i]`` is the cluster of row ``i`` (``-1``: in no cluster of ``min_size`` or more)."""

    label: np.ndarray
    sizes: np.ndarray  # size of each cluster id
    pairs_checked: int
    pairs_kept: int

    def members(self) -> list[np.ndarray]:
        """Row indices of each cluster, largest first."""
        rows = np.flatnonzero(self.label >= 0)
        order = np.argsort(self.label[rows], kind="stable")
        rows = rows[order]
        cuts = np.flatnonzero(np.diff(self.label[rows])) + 1
        groups = np.split(rows, cuts) if len(rows) else []
        return sorted(groups, key=len, reverse=True)


def cluster(sk: Sketches, threshold: float = 0.45, min_size: int = 3) -> Clusters:
    """Connected components of LSH candidate pairs whose estimated similarity ≥ ``threshold``."""
    n = len(sk)
    left, right = _candidates(sk)
    ok = np.empty(len(left), dtype=bool)
    step = 1_000_000  # a million pairs at a time: the similarities of every pair at once would
    for s in range(0, len(left), step):  # be several float arrays of 8 bytes a pair (GBs at 10M)
        ok[s : s + step] = estimate(sk.sketch, left[s : s + step], right[s : s + step]) >= threshold
    kept_l, kept_r = left[ok], right[ok]
    graph = coo_matrix((np.ones(len(kept_l), np.int8), (kept_l, kept_r)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    degree = np.bincount(kept_l, minlength=n) + np.bincount(kept_r, minlength=n)
    comp = _split_chains(comp, degree, sk.sketch, threshold, min_size)
    sizes = np.bincount(comp[comp >= 0], minlength=1) if n else np.zeros(0, np.int64)
    big = (comp >= 0) & (sizes[np.maximum(comp, 0)] >= min_size)
    ids, label = unique_inverse(comp[big])
    out = np.full(n, -1, dtype=np.int64)
    out[big] = label
    return Clusters(out, sizes[ids], len(left), int(ok.sum()))


def _candidates(sk: Sketches) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs ``left < right`` of rows that are neighbours in a run of equal band hashes.

    A stable sort keeps the rows of a run in row order, so each pair comes out as
    ``left * n + right`` (8 bytes) without a min/max; the pairs of all bands are deduplicated
    with one in-place sort (identical texts repeat their pairs in every band).
    """
    n = len(sk)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows = np.flatnonzero(sk.valid)
    pair = np.empty(0, np.int64)
    for j in range(sk.bands.shape[1]):
        key = sk.bands[rows, j]
        order = np.argsort(key, kind="stable")
        key = key[order]
        same = np.flatnonzero(key[1:] == key[:-1])
        found = rows[order[same]] * np.int64(n) + rows[order[same + 1]]
        del key, order, same
        # merged band by band: repeated texts give the same pairs in every band, so the distinct
        # pairs so far stay far smaller than all bands' pairs together (GBs at 10M texts)
        pair = unique_ints(np.concatenate([pair, found]), overwrite=True)
        del found
    return pair // n, pair % n


CHAIN_SPLIT_SIZE = 50  # components larger than this are re-cut around centres
_MAX_CENTRES = 200
_COMPARE_BUDGET = 20_000_000  # sketch comparisons per component (bounds the cost of giant ones)


def _split_chains(
    comp: np.ndarray, degree: np.ndarray, sketch: np.ndarray, threshold: float, min_size: int
) -> np.ndarray:
    """Cut large components (chains of pairwise-similar texts) into clusters around centres.

    Similarity is not transitive: A~B and B~C does not make A~C, and a corpus of short texts
    chains into one giant component. In a component over :data:`CHAIN_SPLIT_SIZE`, the member
    with most kept pairs becomes a centre and claims every unassigned member similar to it; then
    the next, up to :data:`_MAX_CENTRES` centres. Members no centre claims are left unclustered.
    """
    out = comp.copy()
    sizes = np.bincount(comp)
    next_id = len(sizes)
    chance = 1 / 256
    need = int(np.ceil((threshold * (1 - chance) + chance) * sketch.shape[1]))  # agreeing values
    for c in np.flatnonzero(sizes > CHAIN_SPLIT_SIZE):
        rows = np.flatnonzero(comp == c)
        out[rows] = -1
        rows = rows[np.argsort(-degree[rows], kind="stable")]
        sub = sketch[rows]  # gathered once; each centre compares against all of it
        open_ = np.ones(len(rows), dtype=bool)
        for _ in range(int(np.clip(_COMPARE_BUDGET // len(rows), 5, _MAX_CENTRES))):
            idx = np.flatnonzero(open_)
            if len(idx) < min_size:
                break
            agree = np.count_nonzero(sub == sub[idx[0]], axis=1)
            claimed = open_ & (agree >= need)
            claimed[idx[0]] = True
            open_ &= ~claimed
            out[rows[claimed]] = next_id
            next_id += 1
    return out


@lru_cache(maxsize=1)
def _keep_table() -> np.ndarray:
    """For every code point: is it a letter or digit (kept in 2-grams)?"""
    table = np.zeros(0x110000, dtype=bool)
    for cp in range(0x30000):
        if unicodedata.category(chr(cp))[0] in _KEEP_CATEGORIES:
            table[cp] = True
    return table

"""Comment activity as columns, and the per-comment signals campaigns are built from.

``Activity`` holds one row per comment: integer codes for author and note (0..n-1), the time in
seconds (NaN when unknown), the near-duplicate cluster (``-1`` when none) and the author's
account age at the time of the comment in days (NaN when unknown).

Signals, each explainable on its own:

- **burst**: the comment is one of at least ``min_burst`` comments on the same note within
  ``±window`` seconds, and that is at least ``burst_ratio`` times what the note's local rate
  (over ``±baseline`` seconds) would give: a note's busy first day is not a burst, a pile of
  comments in twenty minutes on an otherwise quiet note is;
- **templated**: the comment is in a near-duplicate cluster of at least 3 comments by at least 3
  authors that is *concentrated* (its comments fall on at most half as many notes as it has
  comments; organic stock phrases spread over many notes);
- **young**: the account was at most ``young_days`` old when it commented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.integrity.arrays import unique_ints


@dataclass
class Activity:
    author: np.ndarray  # int64 codes
    note: np.ndarray  # int64 codes
    ts: np.ndarray  # float64 seconds (NaN: unknown)
    cluster: np.ndarray  # int64 (-1: none)
    age_days: np.ndarray  # float64 (NaN: unknown)
    author_names: list[str]
    note_names: list[str]

    def __len__(self) -> int:
        return len(self.author)

    @property
    def has_time(self) -> bool:
        return bool(len(self.ts)) and not bool(np.isnan(self.ts).all())


@dataclass(frozen=True)
class SignalParams:
    window: float = 1800.0  # seconds either side
    min_burst: int = 3
    burst_ratio: float = 3.0
    baseline: float = 43200.0  # the note's local rate is measured over ±12 hours
    young_days: float = 30.0
    concentration: float = 0.5


@dataclass
class Signals:
    burst: np.ndarray  # bool per comment
    templated: np.ndarray  # bool per comment
    young: np.ndarray  # bool per comment


def signals(act: Activity, p: SignalParams | None = None) -> Signals:
    p = p or SignalParams()
    return Signals(_bursts(act, p), _templated(act, p), _young(act, p))


def _bursts(act: Activity, p: SignalParams) -> np.ndarray:
    n = len(act)
    out = np.zeros(n, dtype=bool)
    known = ~np.isnan(act.ts)
    if not known.any():
        return out
    idx = np.flatnonzero(known)
    ts = act.ts[idx]
    t = np.round(ts - ts.min()).astype(np.int64)
    key = (act.note[idx].astype(np.int64) << 34) | t
    order = np.argsort(key, kind="stable")
    skey = key[order]
    w = int(p.window)
    around = np.searchsorted(skey, skey + w, "right") - np.searchsorted(skey, skey - w, "left") - 1
    b = int(p.baseline)
    wide = np.searchsorted(skey, skey + b, "right") - np.searchsorted(skey, skey - b, "left")
    expected = wide * (p.window / p.baseline)
    hit = (around + 1 >= p.min_burst) & (around + 1 >= p.burst_ratio * expected)
    out[idx[order]] = hit
    return out


def _templated(act: Activity, p: SignalParams) -> np.ndarray:
    c = act.cluster
    inside = c >= 0
    if not inside.any():
        return np.zeros(len(c), dtype=bool)
    k = int(c.max()) + 1
    size = np.bincount(c[inside], minlength=k)
    notes = _distinct_per(c[inside], act.note[inside], k)
    authors = _distinct_per(c[inside], act.author[inside], k)
    good = (size >= 3) & (authors >= 3) & (notes <= p.concentration * size)
    out = np.zeros(len(c), dtype=bool)
    out[inside] = good[c[inside]]
    return out


def _distinct_per(group: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    pair = unique_ints(group.astype(np.int64) * (int(value.max()) + 1) + value)
    return np.bincount(pair // (int(value.max()) + 1), minlength=k)


def _young(act: Activity, p: SignalParams) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        young: np.ndarray = np.nan_to_num(act.age_days, nan=np.inf) <= p.young_days
    return young

"""Scores the per-text diversion detector on the independent corpus, per split and family.

A text is *predicted* diverting when the scan labels it ``diversion`` (an off-platform finding:
in-platform steering alone is not). Precision and recall are ``None`` (printed ``n/a``) when
nothing was predicted or nothing was there to find.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.evaluation.independent_corpus import SPLITS, Record, generate
from seedtrail.integrity.scan import labels_of


def ratio(num: int, den: int) -> float | None:
    """``num / den`` rounded, or None when ``den`` is 0 (an empty count is not a perfect score)."""
    return round(num / den, 4) if den else None


def score(records: list[Record], detector: DiversionDetector | None = None) -> dict[str, object]:
    det = detector or DiversionDetector()
    found = det.find_many([r.text for r in records])
    out: dict[str, object] = {}
    for split in SPLITS:
        tp = fp = fn = negatives = 0
        fam_hit: dict[str, int] = defaultdict(int)
        fam_all: dict[str, int] = defaultdict(int)
        misses: list[str] = []
        alarms: list[str] = []
        for rec, f in zip(records, found, strict=True):
            if rec.split != split:
                continue
            hit = "diversion" in labels_of(f)
            fam_all[rec.family] += 1
            fam_hit[rec.family] += hit == rec.diverting
            if rec.diverting:
                tp += hit
                fn += not hit
                if not hit:
                    misses.append(rec.text)
            else:
                negatives += 1
                fp += hit
                if hit:
                    alarms.append(rec.text)
        out[split] = {
            "precision": ratio(tp, tp + fp),
            "recall": ratio(tp, tp + fn),
            "positives": tp + fn,
            "negatives": negatives,
            "fp_per_10k_negatives": None if not negatives else round(10_000 * fp / negatives, 2),
            "correct_by_family": {k: ratio(fam_hit[k], v) for k, v in sorted(fam_all.items())},
            "misses": misses[:20],
            "false_alarms": alarms[:20],
        }
    return out


def evaluate(seed: int = 11) -> dict[str, Any]:
    return score(list(generate(seed)))

"""Scores the diversion detector on labelled records (generated, or a labelled JSONL world).

A labelled contact counts as found when a finding of the same kind overlaps its span. At the
comment level a comment is *predicted* diverting when the scan labels it ``diversion``, and
*truly* diverting when it has any label; that gives precision and recall, and false positives
per 10,000 organic (unlabelled) comments. These are *tuning* figures: the generated corpus shares
the detector's cue vocabulary (the independent corpus is ``independent_corpus.py``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedtrail.core.errors import InvalidInput
from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.findings import Finding
from seedtrail.integrity.scan import labels_of
from seedtrail.messages import Msg


@dataclass
class DiversionScore:
    family_hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    family_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    contact_hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    contact_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tp: int = 0
    fp: int = 0
    fn: int = 0
    organic: int = 0
    organic_fp: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def fp_per_10k(self) -> float | None:
        return 10_000 * self.organic_fp / self.organic if self.organic else None

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None, n: int = 4) -> float | None:
            return None if x is None else round(x, n)

        return {
            "figures": "tuning (the corpus shares the detector's cue vocabulary)",
            "recall": r(self.recall),
            "precision": r(self.precision),
            "fp_per_10k_organic": r(self.fp_per_10k, 2),
            "organic": self.organic,
            "recall_by_family": {
                k: round(self.family_hits[k] / v, 4) for k, v in sorted(self.family_total.items())
            },
            "recall_by_contact": {
                k: round(self.contact_hits[k] / v, 4) for k, v in sorted(self.contact_total.items())
            },
        }


def _overlaps(f: Finding, label: dict[str, Any]) -> bool:
    a, b = label["span"]
    kind: str = label["kind"]
    return f.kind == kind and f.span[0] < b and a < f.span[1]


def score(records: Iterable[dict[str, Any]], detector: DiversionDetector) -> DiversionScore:
    """Scores the batch path the scan takes (RE2 prefilter, then :meth:`find` on candidates)."""
    s = DiversionScore()
    recs = list(records)
    for rec, findings in zip(recs, detector.find_many([r["text"] for r in recs]), strict=True):
        labels: list[dict[str, object]] = rec.get("labels") or []
        if labels:
            family = str(rec.get("family") or "unknown")
            contact = str(rec.get("contact") or labels[0]["kind"])
            s.family_total[family] += 1
            s.contact_total[contact] += 1
            if all(any(_overlaps(f, lab) for f in findings) for lab in labels):
                s.family_hits[family] += 1
                s.contact_hits[contact] += 1
            if "diversion" in labels_of(findings):
                s.tp += 1
            else:
                s.fn += 1
                s.misses.append(rec["text"])
        else:
            s.organic += 1
            if "diversion" in labels_of(findings):
                s.fp += 1
                s.organic_fp += 1
                s.false_alarms.append(rec["text"])
    return s


def read_labelled(path: Path) -> Iterator[dict[str, object]]:
    """Records from a labelled JSONL file; bad lines raise with their line number."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.jsonl_not_json",
                        {"path": str(path), "line": lineno, "error": exc.msg},
                    )
                ) from exc
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise InvalidInput(
                    Msg("problem.invalid-input.jsonl_text", {"path": str(path), "line": lineno})
                )
            yield rec

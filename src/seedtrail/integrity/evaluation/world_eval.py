"""Scores scan and campaigns against a world's labels (``truth/bad_items``, ``truth/bad_actors``).

- diversion: comments labelled ``diversion_comment`` against comments labelled ``diversion``;
  false positives per 10,000 organic comments (comments with no truth label at all);
- duplicates: the share of water-army comments labelled ``duplicate``, of organic ones, and the
  organic share of the comments labelled ``duplicate`` (what the duplicate cases are about);
- ``per_type``: every label on every content type (comments, notes, profiles: display name and
  bio), with false positives per 10,000 clean texts of that type (brand and creator notes for
  notes);
- claims and soft ads: notes labelled ``medical_claim`` / ``unregistered_promo`` against notes
  labelled ``claim`` / ``soft_ad``;
- campaigns: water-army accounts against the union of campaign accounts (precision, recall, F1),
  and whether each true campaign has one found campaign holding most of its accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from seedtrail.integrity.campaigns import Campaign, CampaignParams, find_campaigns
from seedtrail.integrity.scan import Scanner, ScanResult
from seedtrail.integrity.sources import KINDS, read_world, world_brands


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _prf(tp: int, predicted: int, actual: int) -> dict[str, object]:
    """Precision, recall, F1; ``None`` (printed n/a) when their count is empty."""
    p, r = _ratio(tp, predicted), _ratio(tp, actual)
    f1 = round(2 * p * r / (p + r), 4) if p is not None and r is not None and p + r else None
    return {"precision": p, "recall": r, "f1": f1, "n": actual}


@dataclass
class WorldReport:
    scan: dict[str, object]
    campaigns: dict[str, object]

    def as_dict(self) -> dict[str, Any]:
        return {"scan": self.scan, "campaigns": self.campaigns}


def evaluate_world(world: Path, params: CampaignParams | None = None) -> WorldReport:
    brands, registered = world_brands(world)
    res = Scanner(brands=brands, registered=registered).run(read_world(world))
    found = find_campaigns(res.activity(), params)
    return WorldReport(score_scan(world, res), score_campaigns(world, found))


def score_scan(world: Path, res: ScanResult) -> dict[str, object]:
    """Every label the scan gives, scored on every content type it flags (comments, notes,
    profiles)."""
    items = pq.read_table(world / "truth" / "bad_items.parquet").to_pylist()
    truth: dict[str, str] = {}
    for it in items:
        kind = it["item_type"]
        key = str(it["item_id"]) if kind == "comment" else f"{kind}:{it['item_id']}"
        if kind in ("comment", "note", "profile"):
            truth[key] = it["kind"]
    ids = res.ids()
    labels = {ids[i]: set(res.labels(i)) for i in range(len(ids))}
    kinds = [KINDS[k] for k in res.cols.kinds.tolist()]
    comments = [i for i, k in zip(ids, kinds, strict=True) if k == "comment"]
    notes = [i for i, k in zip(ids, kinds, strict=True) if k == "note"]
    profiles = [i for i, k in zip(ids, kinds, strict=True) if k == "profile"]
    organic = [c for c in comments if c not in truth]
    out: dict[str, Any] = {}
    rows = []
    for content, pool, label, kind in (
        ("comments", comments, "diversion", "diversion_comment"),
        ("comments", comments, "duplicate", "water_army_comment"),
        ("comments", comments, "claim", None),
        ("notes", notes, "diversion", None),
        ("notes", notes, "claim", "medical_claim"),
        ("notes", notes, "soft_ad", "unregistered_promo"),
        ("profiles", profiles, "diversion", "diversion_profile"),
        ("profiles", profiles, "claim", None),
    ):
        actual = {c for c in pool if kind is not None and truth.get(c) == kind}
        predicted = {c for c in pool if label in labels[c]}
        clean = [c for c in pool if c not in truth]
        fp_clean = sum(label in labels[c] for c in clean)
        rows.append(
            {
                "content": content,
                "label": label,
                **_prf(len(actual & predicted), len(predicted), len(actual)),
                "actual": len(actual),
                "predicted": len(predicted),
                "fp_per_10k_clean": None if not clean else round(10_000 * fp_clean / len(clean), 2),
            }
        )
    out["per_type"] = rows
    by = {(r["content"], r["label"]): r for r in rows}
    out["diversion"] = dict(by[("comments", "diversion")])
    out["diversion"]["fp_per_10k_organic"] = by[("comments", "diversion")]["fp_per_10k_clean"]
    out["claims"] = by[("notes", "claim")]
    out["soft_ads"] = by[("notes", "soft_ad")]
    out["profiles"] = by[("profiles", "diversion")]
    wa = [c for c in comments if truth.get(c) == "water_army_comment"]
    flagged = [c for c in comments if "duplicate" in labels[c]]
    out["duplicates"] = {
        "flagged": len(flagged),
        "water_army_share": _ratio(sum("duplicate" in labels[c] for c in wa), len(wa)),
        "organic_share": _ratio(sum("duplicate" in labels[c] for c in organic), len(organic)),
        "organic_share_of_flagged": _ratio(sum(c not in truth for c in flagged), len(flagged)),
    }
    out["texts"] = len(ids)
    return out


def score_campaigns(world: Path, found: list[Campaign]) -> dict[str, object]:
    actors = pq.read_table(world / "truth" / "bad_actors.parquet").to_pylist()
    truth: dict[str, int] = {
        str(a["account_id"]): int(a["wa_campaign_id"]) for a in actors if a["kind"] == "water_army"
    }
    predicted = {a for c in found for a in c.accounts}
    out: dict[str, object] = _prf(len(predicted & set(truth)), len(predicted), len(truth))
    recovered = 0
    for cid in sorted(set(truth.values())):
        members = {a for a, c in truth.items() if c == cid}
        best = max((len(members & set(c.accounts)) for c in found), default=0)
        recovered += best >= 0.5 * len(members)
    out["campaigns_found"] = len(found)
    out["true_campaigns"] = len(set(truth.values()))
    out["true_campaigns_recovered"] = recovered
    return out

"""Scores scan and campaigns against a world's labels (``truth/bad_items``, ``truth/bad_actors``).

- diversion: comments labelled ``diversion_comment`` against comments labelled ``diversion``;
  false positives per 10,000 organic comments (comments with no truth label at all);
- duplicates: the share of water-army comments labelled ``duplicate``, and of organic ones;
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
from seedtrail.integrity.sources import read_world, world_brands


def _prf(tp: int, predicted: int, actual: int) -> dict[str, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "n": actual}


@dataclass
class WorldReport:
    scan: dict[str, Any]
    campaigns: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"scan": self.scan, "campaigns": self.campaigns}


def evaluate_world(world: Path, params: CampaignParams | None = None) -> WorldReport:
    brands, registered = world_brands(world)
    res = Scanner(brands=brands, registered=registered).run(read_world(world))
    found = find_campaigns(res.activity(), params)
    return WorldReport(score_scan(world, res), score_campaigns(world, found))


def score_scan(world: Path, res: ScanResult) -> dict[str, Any]:
    items = pq.read_table(world / "truth" / "bad_items.parquet").to_pylist()
    truth: dict[str, str] = {}
    for it in items:
        key = str(it["item_id"]) if it["item_type"] == "comment" else f"note:{it['item_id']}"
        if it["item_type"] in ("comment", "note"):
            truth[key] = it["kind"]
    ids = res.ids()
    labels = {ids[i]: set(res.labels(i)) for i in range(len(ids))}
    comments = [i for i, note in zip(ids, res.cols.is_note.tolist(), strict=True) if not note]
    notes = [i for i, note in zip(ids, res.cols.is_note.tolist(), strict=True) if note]
    organic = [c for c in comments if c not in truth]
    out: dict[str, Any] = {}
    for name, label, kind, pool in (
        ("diversion", "diversion", "diversion_comment", comments),
        ("claims", "claim", "medical_claim", notes),
        ("soft_ads", "soft_ad", "unregistered_promo", notes),
    ):
        actual = {c for c in pool if truth.get(c) == kind}
        predicted = {c for c in pool if label in labels[c]}
        out[name] = _prf(len(actual & predicted), len(predicted), len(actual))
    fp = sum("diversion" in labels[c] for c in organic)
    out["diversion"]["fp_per_10k_organic"] = round(10_000 * fp / max(1, len(organic)), 2)
    wa = [c for c in comments if truth.get(c) == "water_army_comment"]
    out["duplicates"] = {
        "water_army_share": round(sum("duplicate" in labels[c] for c in wa) / max(1, len(wa)), 4),
        "organic_share": round(
            sum("duplicate" in labels[c] for c in organic) / max(1, len(organic)), 4
        ),
    }
    out["texts"] = len(ids)
    return out


def score_campaigns(world: Path, found: list[Campaign]) -> dict[str, Any]:
    actors = pq.read_table(world / "truth" / "bad_actors.parquet").to_pylist()
    truth: dict[str, int] = {
        str(a["account_id"]): int(a["wa_campaign_id"]) for a in actors if a["kind"] == "water_army"
    }
    predicted = {a for c in found for a in c.accounts}
    out: dict[str, Any] = _prf(len(predicted & set(truth)), len(predicted), len(truth))
    recovered = 0
    for cid in sorted(set(truth.values())):
        members = {a for a, c in truth.items() if c == cid}
        best = max((len(members & set(c.accounts)) for c in found), default=0)
        recovered += best >= 0.5 * len(members)
    out["campaigns_found"] = len(found)
    out["true_campaigns"] = len(set(truth.values()))
    out["true_campaigns_recovered"] = recovered
    return out

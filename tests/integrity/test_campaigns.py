from __future__ import annotations

from dataclasses import replace

import numpy as np

from seedtrail.integrity.campaigns import find_campaigns
from seedtrail.integrity.evaluation.injection import Setting, evaluate, inject

SMALL = Setting(0.06, "biased", False, accounts=8000, notes=2000, organic_comments=80_000)


def test_injected_block_is_found_under_camouflage() -> None:
    for hijacked in (False, True):
        r = evaluate(replace(SMALL, hijacked=hijacked), seed=3)
        assert r.f1 >= 0.9, r


def test_organic_background_alone_gives_no_campaign() -> None:
    act, _ = inject(replace(SMALL, density=0.0), seed=4)
    assert find_campaigns(act) == []


def test_campaign_carries_readable_evidence() -> None:
    act, truth = inject(SMALL, seed=5)
    found = find_campaigns(act)
    assert found
    best = found[0]
    doc = best.to_json(lambda rows: [str(int(r)) for r in rows])
    assert set(doc) >= {"accounts", "notes", "comments", "score", "evidence", "time_span"}
    assert 0 < doc["score"] <= 1
    assert doc["evidence"]["accounts"] == len(doc["accounts"])
    assert any("accounts left" in line for line in doc["evidence"]["summary"])
    members = np.array([int(a[1:]) for a in best.accounts])
    assert truth[members].mean() > 0.9
    start, end = doc["time_span"]
    assert start <= end


def test_without_times_density_alone_decides() -> None:
    act, truth = inject(replace(SMALL, density=0.3, camouflage="none"), seed=6)
    act.ts[:] = np.nan
    found = find_campaigns(act)
    assert found
    members = np.array([int(a[1:]) for c in found for a in c.accounts])
    assert truth[members].mean() > 0.8

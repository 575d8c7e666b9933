"""Policy impact over the API (operators): past changes from the audit log, a change's impact
on the deployment's own data, a change stated by hand and kept simulations; the same figures as
``seedtrail policy impact``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import impactsite
from factories import auth
from impactsite import ROLES
from seedtrail.api.app import create_app
from seedtrail.cli.main import main
from seedtrail.store.store import Store


@dataclass
class Site:
    client: TestClient
    data: Path
    keys: dict[str, str]
    rule_entry: int
    late_entry: int
    category: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = impactsite.build(tmp_path_factory)
    store = Store.from_settings(s.settings)
    with TestClient(create_app(s.settings, store=store)) as client:
        yield Site(client, s.settings.data_dir, s.keys, s.rule_entry, s.late_entry, s.category)
    store.dispose()


def test_past_changes_say_which_can_be_measured(site: Site) -> None:
    r = site.client.get("/policy/changes", headers=auth(site.keys["operator"]))
    assert r.status_code == 200
    past = {p["entry_id"]: p for p in r.json()["past"]}
    ids = [p["entry_id"] for p in r.json()["past"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    ours = past[site.rule_entry]
    assert ours["measurable"] and ours["change"]["treated"] == [site.category]
    assert ours["change"]["at"] == "2025-03-06" and ours["refusal"] is None
    late = past[site.late_entry]  # today: after every day the lake holds
    assert not late["measurable"] and "not inside the data" in late["refusal"]
    zh = site.client.get(
        "/policy/changes", headers={**auth(site.keys["operator"]), "accept-language": "zh-CN"}
    )
    refusal = {p["entry_id"]: p for p in zh.json()["past"]}[site.late_entry]["refusal"]
    assert "not inside" not in refusal and refusal


def test_a_past_changes_impact_is_the_clis(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    r = site.client.get(
        f"/policy/changes/{site.rule_entry}/impact", headers=auth(site.keys["operator"])
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    for row in doc["rows"]:
        assert row["low"] <= row["effect"] <= row["high"]
    for outcome, curve in doc["curves"].items():
        row = next(x for x in doc["rows"] if x["outcome"] == outcome and x["unit"] == "*")
        start = curve["first_after"]
        assert len(curve["days"]) == len(curve["treated"]) == len(curve["counterfactual"])
        assert curve["days"][start] == "2025-03-06"
        # the counterfactual is the controls scaled to the touched units' before-period level
        assert np.mean(curve["counterfactual"][:start]) == pytest.approx(row["before_treated"])
        assert np.mean(curve["counterfactual"][start:]) == pytest.approx(row["counterfactual"])
        assert np.mean(curve["treated"][start:]) == pytest.approx(row["after_treated"])
    entry = str(site.rule_entry)
    main(["--data-dir", str(site.data), "policy", "impact", "--change-id", entry, "--json"])
    cli = json.loads(capsys.readouterr().out)
    assert cli["rows"] == doc["rows"] and cli["controls"] == doc["controls"]


def test_a_change_stated_by_hand_and_bad_input(site: Site) -> None:
    h = auth(site.keys["operator"])
    params = {"at": "2025-03-06", "treated": site.category}
    stated = site.client.get("/policy/impact", params=params, headers=h)
    past = site.client.get(f"/policy/changes/{site.rule_entry}/impact", headers=h)
    assert stated.json()["rows"] == past.json()["rows"]
    narrow = site.client.get("/policy/impact", params={**params, "level": 0.5}, headers=h).json()
    for wide, tight in zip(stated.json()["rows"], narrow["rows"], strict=True):
        assert wide["high"] - wide["low"] > tight["high"] - tight["low"]
    for bad, status in [
        ({**params, "level": "2"}, 422),
        ({**params, "level": "x"}, 422),
        ({**params, "at": "2030-01-01"}, 422),
        ({**params, "at": "March"}, 422),
        ({**params, "dimension": "planet"}, 422),
        ({**params, "treated": ","}, 422),
        ({**params, "outcome": "vibes"}, 422),
    ]:
        r = site.client.get("/policy/impact", params=bad, headers=h)
        assert r.status_code == status, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    for path in (
        f"/policy/changes/{site.late_entry}/impact",
        "/policy/changes/99999999/impact",
        "/policy/changes/100000000000000000000/impact",
        "/policy/studies/..%2F..%2Fseedtrail",
        "/policy/studies/000000000000",
    ):
        r = site.client.get(path, headers=h)
        assert r.status_code in (404, 422), (path, r.text)


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_read_impact(site: Site, role: str) -> None:
    h = auth(site.keys[role])
    for path in (
        "/policy/changes",
        f"/policy/changes/{site.rule_entry}/impact",
        f"/policy/impact?at=2025-03-06&treated={site.category}",
        "/policy/studies/000000000000",
    ):
        r = site.client.get(path, headers=h)
        assert r.status_code == 403, (role, path, r.text)

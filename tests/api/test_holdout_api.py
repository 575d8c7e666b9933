"""The boost server asks whether a community user is in the lift holdout."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factories import auth, build_world
from seedtrail.api.app import create_app
from seedtrail.core.settings import Settings, load_settings
from seedtrail.holdout import in_holdout
from seedtrail.store.store import Store


def test_operator_gets_the_rules_answer(store: Store, client: TestClient) -> None:
    w = build_world(store)
    h = auth(w.keys["operator"])
    keys = [f"cv_{i}" for i in range(200)] + ["用户 7", "a%2Fb", "x" * 256]
    answers = []
    for key in keys:
        r = client.get(f"/holdout/{key}", headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["user_key"] == key.replace("%2F", "/")
        assert body["share"] == 0.1
        assert body["holdout"] == in_holdout(body["user_key"], 0.1, "seedtrail-holdout")
        answers.append(body["holdout"])
    assert 0 < sum(answers) < len(answers) / 3  # some, not all


def test_settings_choose_the_share_and_salt(store: Store, tmp_path: Path) -> None:
    w = build_world(store)
    settings = load_settings(data_dir=tmp_path, holdout_share=0.5, holdout_salt="季度-2")
    with TestClient(create_app(settings, store=store)) as client:
        answers = {
            k: client.get(f"/holdout/{k}", headers=auth(w.keys["operator"])).json()
            for k in (f"u{i}" for i in range(100))
        }
    assert all(a["share"] == 0.5 for a in answers.values())
    assert all(a["holdout"] == in_holdout(k, 0.5, "季度-2") for k, a in answers.items())
    assert 25 < sum(a["holdout"] for a in answers.values()) < 75


@pytest.mark.parametrize("role", ["brand", "creator", "partner", "moderator"])
def test_only_the_operator_may_ask(store: Store, client: TestClient, role: str) -> None:
    w = build_world(store)
    r = client.get("/holdout/cv_1", headers=auth(w.keys[role]))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


def test_odd_requests_are_problems_not_errors(
    store: Store, client: TestClient, settings: Settings
) -> None:
    w = build_world(store)
    assert client.get("/holdout/cv_1").status_code == 401
    r = client.get("/holdout/" + "x" * 257, headers=auth(w.keys["operator"]))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")

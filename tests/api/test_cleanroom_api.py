"""Brands and shops get only released reports, about campaigns that are theirs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import World, auth, build_world
from seedtrail.api.app import create_app
from seedtrail.cleanroom.rows import save_rows
from seedtrail.core.settings import Settings, load_settings
from seedtrail.store.schema import privacy_spends
from seedtrail.store.store import Store

MONDAY = date(2026, 11, 2)


def _campaign(client: TestClient, w: World) -> int:
    h = auth(w.keys["brand"])
    cid = client.post("/campaigns", json={"name": "冬季", "starts_on": str(MONDAY)}, headers=h)
    assert cid.status_code == 201, cid.text
    ident = int(cid.json()["id"])
    r = client.post(f"/campaigns/{ident}/notes", json={"note_ids": [w.ids["note"]]}, headers=h)
    assert r.status_code == 200, r.text
    spend = {"note_id": w.ids["note"], "day": str(MONDAY), "amount": "300.00"}
    assert client.put(f"/campaigns/{ident}/spend", json=spend, headers=h).status_code == 200
    return ident


def _rows(w: World, campaign_id: int, people: int) -> pa.Table:
    n = people
    return pa.table(
        {
            "person": [f"p{i}" for i in range(n)],
            "campaign_id": [campaign_id] * n,
            "creator_id": [w.ids["creator"]] * n,
            "note_id": [w.ids["note"]] * n,
            "day": [MONDAY + timedelta(days=i % 7) for i in range(n)],
            "group": ["control" if i % 10 == 0 else "exposed" for i in range(n)],
            "impressions": [3] * n,
            "reads": [1] * n,
            "clicks": [1 if i % 4 == 0 else 0 for i in range(n)],
            "purchases": [1.0 if i % 20 == 0 else 0.0 for i in range(n)],
            "gmv": [99.0 if i % 20 == 0 else 0.0 for i in range(n)],
        }
    )


def _ask(client: TestClient, key: str, **body: object) -> object:
    payload = {"template": "funnel_by_note", "period_start": str(MONDAY), **body}
    return client.post("/cleanroom/reports", json=payload, headers=auth(key))


def test_brand_gets_released_cells_of_its_own_campaign_only(
    store: Store, client: TestClient, settings: Settings
) -> None:
    w = build_world(store)
    cid = _campaign(client, w)
    r = _ask(client, w.keys["brand"], campaign_id=cid)
    assert r.status_code == 409 and "seedtrail cleanroom rows" in r.json()["detail"]  # type: ignore[attr-defined]
    save_rows(_rows(w, cid, 400), settings.data_dir)
    r = _ask(client, w.keys["brand"], campaign_id=cid)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    doc = r.json()  # type: ignore[attr-defined]
    assert doc["rule"]["mode"] == "k" and doc["rule"]["k"] >= 50
    total = next(c for c in doc["cells"] if c["level"] == "campaign")
    assert total["people"] == 400 and total["impressions"] == 1200 and total["purchases"] == 20
    assert "person" not in str(doc["cells"])  # only aggregates leave
    for role in ("creator", "other_creator", "moderator"):
        assert _ask(client, w.keys[role], campaign_id=cid).status_code in (403, 404)  # type: ignore[attr-defined]
    # a shop sees the campaign only once a note of it carries a link to one of its offers
    assert _ask(client, w.keys["partner"], campaign_id=cid).status_code == 404  # type: ignore[attr-defined]
    w.mount()
    assert _ask(client, w.keys["partner"], campaign_id=cid).status_code == 200  # type: ignore[attr-defined]
    assert _ask(client, w.keys["other_partner"], campaign_id=cid).status_code == 404  # type: ignore[attr-defined]
    log = client.get("/audit?action=cleanroom.report", headers=auth(w.keys["operator"])).json()
    assert len(log) == 2  # one by the brand, one by the shop; refusals release nothing
    assert {str(e["object_id"]) for e in log} == {str(cid)}


def test_no_filters_small_cohorts_hidden_and_dp_budget_runs_out(
    store: Store, client: TestClient, settings: Settings
) -> None:
    w = build_world(store)
    cid = _campaign(client, w)
    r = _ask(client, w.keys["brand"], campaign_id=cid, note_id=w.ids["note"])
    assert r.status_code == 422  # type: ignore[attr-defined]
    save_rows(_rows(w, cid, 30), settings.data_dir)  # fewer than k people: nothing released
    r = _ask(client, w.keys["brand"], campaign_id=cid, template="funnel_by_creator")
    assert r.status_code == 200 and r.json()["cells"] == []  # type: ignore[attr-defined]
    save_rows(_rows(w, cid, 400), settings.data_dir)
    roas = _ask(client, w.keys["brand"], campaign_id=cid, template="roas").json()  # type: ignore[attr-defined]
    top = next(c for c in roas["cells"] if c["level"] == "campaign")
    assert top["gmv"] == 1980.0
    assert top["roas"] == pytest.approx(1980.0 / 300.0)
    statuses = [
        _ask(client, w.keys["brand"], campaign_id=cid, dp=True, epsilon=1.0).status_code  # type: ignore[attr-defined]
        for _ in range(5)
    ]
    assert statuses[:4] == [200] * 4 and statuses[4] == 429


def test_nodes_share_one_budget_and_one_archive(
    store: Store, client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    """Two API nodes (own data directories, one store): the brand's budget is spent once across
    both, and a k-report frozen on one node is the answer on the other."""
    w = build_world(store)
    cid = _campaign(client, w)
    other = load_settings(
        data_dir=tmp_path / "node2", redirect_rate_per_s=1000.0, policy_refresh_s=0.0
    )
    save_rows(_rows(w, cid, 400), settings.data_dir)
    save_rows(_rows(w, cid, 401), other.data_dir)  # a late row reached node 2 only
    brand = w.keys["brand"]
    with TestClient(create_app(other, store=store)) as node2:
        first = _ask(client, brand, campaign_id=cid).json()  # type: ignore[attr-defined]
        again = _ask(node2, brand, campaign_id=cid).json()  # type: ignore[attr-defined]
        assert again["cells"] == first["cells"] and again["release_id"] == first["release_id"]
        statuses = [
            _ask(node, brand, campaign_id=cid, dp=True, epsilon=1.0).status_code  # type: ignore[attr-defined]
            for node in (client, node2, client, node2, node2, client)
        ]
    assert statuses == [200, 200, 200, 200, 429, 429]
    refused = _ask(client, brand, campaign_id=cid, dp=True, epsilon=0.5)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert refused.json()["type"].endswith("/privacy-budget-exhausted")  # type: ignore[attr-defined]
    log = client.get("/audit?action=cleanroom.report", headers=auth(w.keys["operator"])).json()
    assert len(log) == 6  # two k answers and four DP releases; refusals are not releases
    dp_ids = {e["detail"]["release_id"] for e in log if e["detail"]["dp"]}
    with store.read() as conn:
        spends = conn.execute(select(privacy_spends)).mappings().all()
    assert {s["release_id"] for s in spends} == dp_ids and len(spends) == 4
    assert {s["actor"] for s in spends} == {e["actor"] for e in log}

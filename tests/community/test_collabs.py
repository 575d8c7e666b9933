"""Collab registrations are two-sided: a brand registers, the creator accepts, and only then does
the collab count (mounts, campaign membership, note reports). Acceptance is audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import World, auth, build_world
from seedtrail.store.store import Store


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def _register(client: TestClient, w: World) -> int:
    body = {"creator_id": w.ids["other_creator"], "note_id": w.ids["other_note"]}
    r = client.post("/collabs", json=body, headers=auth(w.keys["brand"]))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["accepted_at"] is None
    return int(r.json()["id"])


def test_a_brand_cannot_activate_its_own_registration(client: TestClient, world: World) -> None:
    cid = _register(client, world)
    h = auth(world.keys["brand"])
    r = client.patch(f"/collabs/{cid}", json={"status": "active"}, headers=h)
    assert r.status_code in (403, 422)
    assert client.get(f"/collabs/{cid}", headers=h).json()["status"] == "pending"
    op = auth(world.keys["operator"])
    assert client.post(f"/collabs/{cid}/accept", headers=op).status_code == 403


def test_the_creator_accepts_and_it_is_audited(client: TestClient, world: World) -> None:
    cid = _register(client, world)
    r = client.post(f"/collabs/{cid}/accept", headers=auth(world.keys["other_creator"]))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["accepted_at"]
    again = client.post(f"/collabs/{cid}/accept", headers=auth(world.keys["other_creator"]))
    assert again.status_code == 409
    entries = client.get(
        f"/audit?object_type=collab&object_id={cid}&action=collab.accept",
        headers=auth(world.keys["operator"]),
    ).json()
    assert len(entries) == 1
    assert entries[0]["actor"].startswith("creator:")
    assert entries[0]["before"] == {"status": "pending"}


def test_a_revoked_collab_cannot_be_accepted(client: TestClient, world: World) -> None:
    cid = _register(client, world)
    h = auth(world.keys["brand"])
    assert client.patch(f"/collabs/{cid}", json={"status": "revoked"}, headers=h).status_code == 200
    r = client.post(f"/collabs/{cid}/accept", headers=auth(world.keys["other_creator"]))
    assert r.status_code == 409


def test_campaign_membership_only_for_notes_the_brand_may_use(
    client: TestClient, world: World
) -> None:
    i, h = world.ids, auth(world.keys["brand"])
    path = f"/campaigns/{i['campaign']}/notes"
    r = client.post(path, json={"note_ids": [i["other_note"]]}, headers=h)
    assert r.status_code == 403, r.text
    assert client.get(f"/attribution/notes/{i['other_note']}", headers=h).status_code == 404
    cid = _register(client, world)
    r = client.post(path, json={"note_ids": [i["other_note"]]}, headers=h)
    assert r.status_code == 403  # a pending collab does not count
    client.post(f"/collabs/{cid}/accept", headers=auth(world.keys["other_creator"]))
    r = client.post(path, json={"note_ids": [i["other_note"]]}, headers=h)
    assert r.status_code == 200 and i["other_note"] in r.json()["note_ids"]
    op = client.post(
        path, json={"note_ids": [i["other_note"], i["note"]]}, headers=auth(world.keys["operator"])
    )
    assert op.status_code == 200  # the campaign's brand may use both

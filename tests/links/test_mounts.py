"""Tenant boundaries of mounting: an account mounts on its own notes and profile, and on another
account's note only with an offer of its own under a collab the creator accepted. The policy's
dry run answers no more than the mount itself would."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import OPERATOR, World, auth, build_world, make
from seedtrail.community import accounts, notes
from seedtrail.core import principals
from seedtrail.links import offers
from seedtrail.store.store import Store


@pytest.fixture
def world(store: Store) -> World:
    w = build_world(store)
    i = w.ids
    i["brand2"] = make(
        store, accounts.RESOURCE, handle="brand2", display_name="b2", kind="brand", verified=True
    )["id"]
    i["brand2_offer"] = make(
        store,
        offers.RESOURCE,
        partner_id=i["webshop"],
        owner_id=i["brand2"],
        item_id="9",
        title="t",
        price="1",
        category="skincare",
    )["id"]
    i["other_comment"] = make(
        store, notes.COMMENTS, note_id=i["other_note"], author_id=i["other_creator"], body="hi"
    )["id"]
    with store.transaction() as conn:
        _, w.keys["brand2"] = principals.create(
            conn, name="b2", role="brand", account_id=i["brand2"]
        )
    return w


def _post(client: TestClient, w: World, who: str, path: str, body: dict[str, object]) -> int:
    return client.post(path, json=body, headers=auth(w.keys[who])).status_code


def test_profile_card_only_on_your_own_profile(client: TestClient, world: World) -> None:
    i = world.ids
    body = {"placement": "profile_card", "offer_id": i["brand2_offer"], "account_id": i["brand"]}
    assert _post(client, world, "brand2", "/mounts", body) == 403
    assert _post(client, world, "brand2", "/policy/evaluate", body) == 403
    mine = {**body, "account_id": i["brand2"]}
    assert _post(client, world, "brand2", "/policy/evaluate", mine) == 200


@pytest.mark.parametrize("placement", ["note_card", "comment"])
def test_creator_offer_not_on_another_creators_note(
    client: TestClient, world: World, placement: str
) -> None:
    i = world.ids
    anchor = {"note_id": i["other_note"]} if placement == "note_card" else {}
    if placement == "comment":
        anchor = {"comment_id": i["other_comment"]}
    body = {"placement": placement, "offer_id": i["web_offer"], **anchor}  # the creator's offer
    assert _post(client, world, "creator", "/mounts", body) == 403
    assert _post(client, world, "creator", "/policy/evaluate", body) == 403


def test_policy_evaluate_hides_another_accounts_standing(client: TestClient, world: World) -> None:
    i = world.ids  # the brand has no collab on the other creator's note
    body = {"placement": "note_card", "offer_id": i["offer"], "note_id": i["other_note"]}
    r = client.post("/policy/evaluate", json=body, headers=auth(world.keys["brand"]))
    assert r.status_code == 403
    assert "enforcement" not in r.text and "account_status" not in r.text
    op = client.post("/policy/evaluate", json=body, headers=auth(world.keys["operator"]))
    assert op.status_code == 200 and op.json()["checks"]


def test_brand_mounts_on_a_creators_note_only_under_an_accepted_collab(
    client: TestClient, world: World
) -> None:
    i = world.ids
    body = {"placement": "note_card", "offer_id": i["brand2_offer"], "note_id": i["other_note"]}
    collab = {"creator_id": i["other_creator"], "note_id": i["other_note"]}
    r = client.post("/collabs", json=collab, headers=auth(world.keys["brand2"]))
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert _post(client, world, "brand2", "/mounts", body) == 403  # no consent yet
    cid = r.json()["id"]
    assert _post(client, world, "brand2", f"/collabs/{cid}/accept", {}) in (403, 404)
    assert _post(client, world, "creator", f"/collabs/{cid}/accept", {}) in (403, 404)
    assert _post(client, world, "other_creator", f"/collabs/{cid}/accept", {}) == 200
    assert _post(client, world, "brand2", "/mounts", body) == 201


def test_own_note_and_operator_still_mount(client: TestClient, world: World) -> None:
    i = world.ids
    own = {"placement": "note_card", "offer_id": i["web_offer"], "note_id": i["note"]}
    assert _post(client, world, "creator", "/mounts", own) == 201
    assert OPERATOR.role == "operator"
    body = {"placement": "note_card", "offer_id": i["offer"], "note_id": i["note"]}
    assert _post(client, world, "brand", "/mounts", body) == 201  # accepted collab in the world

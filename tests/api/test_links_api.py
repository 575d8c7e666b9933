"""Endpoints whose access depends on who owns the object they act on: mount status, campaign notes
and spend, revoking keys, and the click log's scoping. (The access matrix in
test_authz.py lists these as covered here.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import World, auth, build_world
from seedtrail.store.store import Store

PHONE = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def _campaign(client: TestClient, w: World) -> int:
    r = client.post(
        "/campaigns",
        json={"name": "夏季", "starts_on": "2026-06-01"},
        headers=auth(w.keys["brand"]),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_mount_status_only_by_its_owners(store: Store, client: TestClient) -> None:
    w = build_world(store)
    mount = w.mount()
    path = f"/mounts/{mount['id']}/status"
    for role in ("other_creator", "partner", "moderator"):
        r = client.post(path, json={"status": "disabled"}, headers=auth(w.keys[role]))
        assert r.status_code in (403, 404), (role, r.status_code)
    r = client.post(path, json={"status": "disabled"}, headers=auth(w.keys["creator"]))
    assert r.status_code == 200, r.text
    assert client.get(f"/r/{mount['code']}", headers=PHONE, follow_redirects=False).status_code == (
        410
    )
    r = client.post(path, json={"status": "active"}, headers=auth(w.keys["brand"]))
    assert r.status_code == 200, r.text
    assert client.get(f"/r/{mount['code']}", headers=PHONE, follow_redirects=False).status_code == (
        302
    )


def test_campaign_notes_and_spend_belong_to_the_brand(store: Store, client: TestClient) -> None:
    w = build_world(store)
    cid = _campaign(client, w)
    spend = {"note_id": w.ids["note"], "day": "2026-06-02", "amount": "1200.50"}
    for role in ("creator", "other_creator", "partner", "moderator"):
        h = auth(w.keys[role])
        r = client.post(f"/campaigns/{cid}/notes", json={"note_ids": [w.ids["note"]]}, headers=h)
        assert r.status_code in (403, 404), (role, r.status_code)
        assert client.put(f"/campaigns/{cid}/spend", json=spend, headers=h).status_code in (
            403,
            404,
        )
    h = auth(w.keys["brand"])
    r = client.post(f"/campaigns/{cid}/notes", json={"note_ids": [w.ids["note"]]}, headers=h)
    assert r.status_code == 200 and r.json()["note_ids"] == [w.ids["note"]]
    assert client.put(f"/campaigns/{cid}/spend", json=spend, headers=h).status_code == 200
    rows = client.get(f"/campaigns/{cid}/spend", headers=h).json()
    assert [(r["note_id"], str(r["day"]), float(r["amount"])) for r in rows] == [
        (w.ids["note"], "2026-06-02", 1200.5)
    ]
    assert (
        client.get(f"/campaigns/{cid}/spend", headers=auth(w.keys["operator"])).status_code == 200
    )
    r = client.get(f"/campaigns/{cid}/spend", headers=auth(w.keys["other_creator"]))
    assert r.status_code in (403, 404)


def test_only_operators_revoke_keys_and_a_revoked_key_stops_working(
    store: Store, client: TestClient
) -> None:
    w = build_world(store)
    made = client.post(
        "/keys", json={"name": "temp", "role": "moderator"}, headers=auth(w.keys["operator"])
    ).json()
    key_id, key = made["id"], made["key"]
    assert client.get("/me", headers=auth(key)).status_code == 200
    for role in ("moderator", "brand", "creator", "partner"):
        assert client.delete(f"/keys/{key_id}", headers=auth(w.keys[role])).status_code == 403
    assert client.delete(f"/keys/{key_id}", headers=auth(w.keys["operator"])).status_code == 200
    assert client.get("/me", headers=auth(key)).status_code == 401


def test_click_log_shows_each_principal_only_its_own_clicks(
    store: Store, client: TestClient
) -> None:
    w = build_world(store)
    brand_link = w.mount()  # the brand's offer (partner taobao) on the creator's note
    own_shop = w.mount(offer_id=w.ids["web_offer"])  # the creator's own web shop
    for code in (brand_link["code"], own_shop["code"]):
        assert client.get(f"/r/{code}", headers=PHONE, follow_redirects=False).status_code in (302,)

    def seen(role: str) -> set[int]:
        r = client.get("/clicks", headers=auth(w.keys[role]))
        assert r.status_code == 200, (role, r.text)
        return {row["mount_id"] for row in r.json()}

    both = {brand_link["id"], own_shop["id"]}
    assert seen("operator") == both
    assert seen("creator") == both  # both sit on her note
    assert seen("brand") == {brand_link["id"]}
    assert seen("partner") == {brand_link["id"]}
    assert seen("other_partner") == {own_shop["id"]}
    assert seen("other_creator") == set()
    assert client.get("/clicks", headers=auth(w.keys["moderator"])).status_code == 403
    only = client.get(f"/clicks?mount_id={own_shop['id']}", headers=auth(w.keys["operator"])).json()
    assert {row["mount_id"] for row in only} == {own_shop["id"]}

"""Ad disclosure: a paid collab labels its note 赞助; a brand's link on a creator's note without
an ad label is refused with the reason, the refusal audited; labelling the note (an audited
change) opens it again."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import auth, build_world
from seedtrail.store import audit
from seedtrail.store.store import Store


def test_an_unlabelled_commercial_note_is_refused_and_audited(
    store: Store, client: TestClient
) -> None:
    w = build_world(store)
    note, creator, brand = w.ids["note"], w.keys["creator"], w.keys["brand"]
    got = client.get(f"/notes/{note}", headers=auth(w.keys["operator"])).json()
    assert got["ad_label"] == "sponsored"  # accepting the collab labelled it
    with store.read() as conn:
        accepted = audit.entries(conn, object_type="collab", object_id=str(w.ids["collab"]))
    assert accepted[0]["after"]["note_ad_label"] == "sponsored"

    r = client.patch(f"/notes/{note}", json={"ad_label": None}, headers=auth(creator))
    assert r.status_code == 200 and r.json()["ad_label"] is None
    body = {"placement": "note_card", "offer_id": w.ids["offer"], "note_id": note}
    r = client.post("/mounts", json=body, headers=auth(brand))
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["type"].endswith("policy-denied")
    failed = [c for c in problem["decision"]["checks"] if not c["passed"]]
    assert [c["check"] for c in failed] == ["ad_label"]
    assert "no ad label" in failed[0]["message"]
    zh = client.post("/mounts", json=body, headers={**auth(brand), "Accept-Language": "zh-CN"})
    assert "广告标识" in zh.text
    with store.read() as conn:
        decisions = audit.entries(conn, action_prefix="mount.decision", limit=5)
        labels = audit.entries(conn, object_type="note", object_id=str(note))
    assert any(
        not d["detail"]["decision"]["allowed"]
        and any(c["check"] == "ad_label" for c in d["detail"]["decision"]["checks"])
        for d in decisions
    )
    assert labels[0]["before"] == {"ad_label": "sponsored"} and labels[0]["after"] == {
        "ad_label": None
    }

    r = client.patch(f"/notes/{note}", json={"ad_label": "ad"}, headers=auth(creator))
    assert r.json()["ad_label"] == "ad"
    r = client.post("/mounts", json=body, headers=auth(brand))
    assert r.status_code in (200, 201), r.text
    labelled = [c for c in r.json()["decision"]["checks"] if c["check"] == "ad_label"]
    assert labelled and labelled[0]["passed"]
    r = client.patch(f"/notes/{note}", json={"ad_label": "billboard"}, headers=auth(creator))
    assert r.status_code == 422


def test_a_boosted_note_needs_its_label_too(store: Store, client: TestClient) -> None:
    """Boosting is paid distribution: adding a note to a campaign labels it 广告 (audited);
    with the label taken off, a link on the boosted note is refused with the reason and the
    live link closes; once the campaign is paused the note is no longer paid for."""
    w = build_world(store)
    brand, op = auth(w.keys["brand"]), auth(w.keys["operator"])
    note = client.post(
        "/notes",
        json={"author_id": w.ids["brand"], "title": "新品防晒", "category": "skincare"},
        headers=brand,
    ).json()["id"]
    body = {"placement": "note_card", "offer_id": w.ids["offer"], "note_id": note}
    first = client.post("/mounts", json=body, headers=brand)
    assert first.status_code in (200, 201), first.text
    assert not [c for c in first.json()["decision"]["checks"] if c["check"] == "ad_label"]

    camp = w.ids["campaign"]
    r = client.post(f"/campaigns/{camp}/notes", json={"note_ids": [note]}, headers=brand)
    assert r.status_code == 200, r.text
    assert client.get(f"/notes/{note}", headers=op).json()["ad_label"] == "ad"
    with store.read() as conn:
        [added] = audit.entries(conn, action_prefix="campaign.add_notes", limit=1)
    assert added["after"]["labelled_ad"] == [note]

    r = client.patch(f"/notes/{note}", json={"ad_label": None}, headers=brand)
    assert r.status_code == 200 and r.json()["ad_label"] is None
    r = client.post("/mounts", json=body, headers=brand)
    assert r.status_code == 403, r.text
    failed = [c for c in r.json()["decision"]["checks"] if not c["passed"]]
    assert [c["check"] for c in failed] == ["ad_label"]
    assert "boosted" in failed[0]["message"]
    zh = client.post("/mounts", json=body, headers={**brand, "Accept-Language": "zh-CN"})
    assert "投流" in zh.text
    assert client.get(f"/r/{first.json()['code']}", follow_redirects=False).status_code == 410
    with store.read() as conn:
        [refused] = audit.entries(conn, action_prefix="mount.decision", limit=1)
    assert not refused["detail"]["decision"]["allowed"]

    r = client.patch(f"/campaigns/{camp}", json={"status": "paused"}, headers=brand)
    assert r.status_code == 200, r.text
    r = client.post("/mounts", json=body, headers=brand)
    assert r.status_code in (200, 201), r.text
    assert client.get(f"/r/{first.json()['code']}", follow_redirects=False).status_code != 410

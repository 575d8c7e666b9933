"""Throttling does what docs/links.md says: an unregistered soft ad is throttled by the packaged
enforcement policy, its links close (the redirect answers 410, the policy says why) and the feed
reads its reduced distribution; a registered note is left alone; the author's appeal, overturned,
restores both."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from factories import OPERATOR, auth, build_world
from seedtrail.core import principals
from seedtrail.enforcement import autopolicy, intake
from seedtrail.store.store import Store

PHONE = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"}


def test_an_unregistered_soft_ad_is_throttled_closed_and_restored_on_appeal(
    store: Store, client: TestClient, tmp_path: Path
) -> None:
    w = build_world(store)
    i = w.ids
    registered = w.mount()["code"]  # the brand's offer on the creator's note: collab registered
    ad = w.mount(offer_id=i["web_offer"], note_id=i["other_note"])["code"]
    for code in (registered, ad):
        assert client.get(f"/r/{code}", headers=PHONE, follow_redirects=False).status_code == 302
    found = [
        {
            "id": f"note:{n}",
            "labels": ["soft_ad"],
            "findings": [{"kind": "brand", "value": "某品牌", "span": [0, 3]}],
        }
        for n in (i["note"], i["other_note"])
    ]
    path = tmp_path / "findings.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in found), "utf-8")
    report = intake.import_findings(store, OPERATOR, path, auto=autopolicy.load())
    assert report.auto_actions == 2  # label + throttle on the unregistered note only
    assert any("has a collab registration" in s for s in report.skipped)

    mod = auth(w.keys["moderator"])
    r = client.get(f"/r/{ad}", headers=PHONE, follow_redirects=False)
    assert r.status_code == 410
    assert client.get(f"/r/{registered}", headers=PHONE, follow_redirects=False).status_code == 302
    feed = client.get(
        "/distribution/notes", params={"ids": [i["other_note"], i["note"]]}, headers=mod
    ).json()
    throttled, normal = feed
    assert (throttled["distribution"], throttled["links_open"]) == ("reduced", False)
    assert throttled["throttle"]["rule"] == "soft-ad-unregistered-throttle"
    assert (normal["distribution"], normal["links_open"], normal["throttle"]) == (
        "full",
        True,
        None,
    )
    assert (
        client.get(
            "/distribution/notes", params={"ids": [1]}, headers=auth(w.keys["creator"])
        ).status_code
        == 403
    )
    denied = client.post(  # a new link on the throttled note is denied, with the reason
        "/mounts",
        json={"placement": "note_card", "offer_id": i["web_offer"], "note_id": i["other_note"]},
        headers=auth(w.keys["operator"]),
    )
    assert denied.status_code == 403
    assert "note is throttled (限流" in denied.json()["decision"]["summary"]

    case_id = throttled["throttle"]["case_id"]
    owner = auth(w.keys["other_creator"])
    assert (
        client.post(
            f"/cases/{case_id}/appeal", json={"statement": "已补报备"}, headers=owner
        ).status_code
        == 201
    )
    with store.transaction() as conn:
        _, reviewer = principals.create(conn, name="mod2", role="moderator")
    appeal = client.get(f"/cases/{case_id}", headers=mod).json()["appeal"]
    r = client.post(
        f"/appeals/{appeal['id']}/decision",
        json={"outcome": "overturned", "reason": "registration filed"},
        headers=auth(reviewer),
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/r/{ad}", headers=PHONE, follow_redirects=False).status_code == 302
    (back,) = client.get(
        "/distribution/notes", params={"ids": [i["other_note"]]}, headers=mod
    ).json()
    assert (back["distribution"], back["links_open"], back["throttle"]) == ("full", True, None)

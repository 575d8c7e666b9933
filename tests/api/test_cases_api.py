"""Enforcement end to end through the API and the redirect: a water-army campaign is imported,
a moderator revokes its accounts' link privileges, their links close live, one account appeals
and is overturned (links reopen), the other is upheld (links stay closed)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import OPERATOR, World, auth, build_world, write_jsonl
from seedtrail.core import principals
from seedtrail.enforcement import campaign_intake
from seedtrail.links import mounts
from seedtrail.links.policy import decide
from seedtrail.links.rules import load_rules
from seedtrail.store.schema import audit_log
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

PHONE = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"}


def campaign_files(tmp_path: Path, w: World) -> tuple[Path, Path]:
    i = w.ids
    members = [i["creator"], i["other_creator"]]
    comments = [
        {
            "id": 9000 + k,
            "text": f"这款防晒真的绝了，用了{k + 2}天效果肉眼可见",
            "ts": f"2025-03-01T10:0{k}:00Z",
            "author": members[k % 2],
            "note_id": i["note"],
        }
        for k in range(4)
    ]
    campaign = {
        "accounts": members,
        "comments": [c["id"] for c in comments],
        "notes": [i["note"]],
        "score": 0.97,
        "evidence": {"window_s": 240, "template": "{brand}的{product}真的绝了"},
    }
    return (
        write_jsonl(tmp_path / "campaigns.jsonl", [campaign]),
        write_jsonl(tmp_path / "comments.jsonl", comments),
    )


def policy_for(store: Store, offer_id: int, note_id: int) -> dict[str, object]:
    with store.read() as conn:
        ctx = mounts.gather(conn, placement="note_card", offer_id=offer_id, note_id=note_id)
        return decide(ctx.facts, load_rules(conn), utcnow()).as_dict()


def test_campaign_revoke_appeal_overturn_and_uphold(
    store: Store, client: TestClient, tmp_path: Path
) -> None:
    w = build_world(store)
    i = w.ids
    with store.transaction() as conn:
        _, mod2 = principals.create(conn, name="mod2", role="moderator")
    mod, creator, other = (
        auth(w.keys["moderator"]),
        auth(w.keys["creator"]),
        auth(w.keys["other_creator"]),
    )
    code = w.mount()["code"]  # brand offer on the creator's note (collab registered)
    own_code = w.mount(offer_id=i["web_offer"])["code"]  # the creator's own shop
    assert client.get(f"/r/{code}", headers=PHONE, follow_redirects=False).status_code == 302

    campaigns, texts = campaign_files(tmp_path, w)
    report = campaign_intake.import_campaigns(store, OPERATOR, campaigns, texts=texts)
    assert (report.opened, report.existing, report.members) == (1, 0, 2)
    again = campaign_intake.import_campaigns(store, OPERATOR, campaigns, texts=texts)
    assert (again.opened, again.existing) == (0, 1) and again.case_ids == report.case_ids

    (lead,) = client.get("/cases", params={"detector": "water_army"}, headers=mod).json()
    assert lead["subject_type"] == "campaign" and lead["severity_name"] == "medium"
    queue = client.get("/cases", params={"parent_id": lead["id"]}, headers=mod).json()
    assert [c["subject_id"] for c in queue] == [i["creator"], i["other_creator"]]
    case_of = {c["subject_id"]: c["id"] for c in queue}
    group = lead["group_key"]
    grouped = client.get("/cases", params={"group_key": group}, headers=mod).json()
    assert sorted(c["id"] for c in grouped) == sorted([lead["id"], *case_of.values()])
    lead_detail = client.get(f"/cases/{lead['id']}", headers=mod).json()
    assert lead_detail["allowed_actions"] == [] and "ban" in lead_detail["group_actions"]
    assert lead_detail["evidence"]["campaign"]["accounts"] == [i["creator"], i["other_creator"]]
    assert lead_detail["evidence"]["campaign"]["timeline"][0]["text"].startswith("这款防晒")

    assert client.get("/cases", headers=creator).json() == []  # nothing shown while open

    action_of = {}
    for account, case_id in case_of.items():
        r = client.post(
            f"/cases/{case_id}/actions",
            json={"action": "revoke_link_privileges", "reason": "水军 campaign member"},
            headers=mod,
        )
        assert r.status_code == 201, r.text
        action_of[account] = r.json()["id"]

    mine = client.get("/cases", headers=creator).json()
    assert [c["id"] for c in mine] == [case_of[i["creator"]]]
    seen = client.get(f"/cases/{case_of[i['creator']]}", headers=creator).json()
    camp = seen["evidence"]["campaign"]
    assert "accounts" not in camp and camp["account_count"] == 2  # other members hidden
    assert {e["account"] for e in seen["evidence"]["member"]["comments"]} == {i["creator"]}
    assert seen["actions"][0]["actor"] == "moderator"  # not the moderator's name
    assert client.get(f"/cases/{lead['id']}", headers=creator).status_code == 404
    assert client.get(f"/cases/{case_of[i['other_creator']]}", headers=creator).status_code == 404

    for c in (code, own_code):  # closed live, no restart
        r = client.get(f"/r/{c}", headers=PHONE, follow_redirects=False)
        assert r.status_code == 410 and "该链接暂不可用" in r.text
    denied = client.post(
        "/mounts",
        json={"placement": "note_card", "offer_id": i["web_offer"], "note_id": i["note"]},
        headers=creator,
    )
    assert denied.status_code == 403
    decision = denied.json()["decision"]
    assert {"action_id": action_of[i["creator"]], "case_id": case_of[i["creator"]]} in decision[
        "enforcement"
    ]
    assert (
        f"by action {action_of[i['creator']]} in case {case_of[i['creator']]}"
        in (decision["summary"])
    )

    # the creator appeals; the moderator who acted may not decide; another overturns
    r = client.post(
        f"/cases/{case_of[i['creator']]}/appeal",
        json={"statement": "我是真实用户"},
        headers=creator,
    )
    assert r.status_code == 201, r.text
    appeal_id = r.json()["id"]
    assert client.post(
        f"/cases/{case_of[i['other_creator']]}/appeal",
        json={"statement": "冒充别人申诉"},
        headers=creator,
    ).status_code in (403, 404)
    assert client.get(f"/r/{code}", headers=PHONE, follow_redirects=False).status_code == 410
    body = {"outcome": "overturned", "reason": "real purchases, not scripted"}
    assert client.post(f"/appeals/{appeal_id}/decision", json=body, headers=mod).status_code == 403
    r = client.post(f"/appeals/{appeal_id}/decision", json=body, headers=auth(mod2))
    assert r.status_code == 200 and r.json()["reversed_action_ids"] == [action_of[i["creator"]]]

    for c in (code, own_code):
        assert client.get(f"/r/{c}", headers=PHONE, follow_redirects=False).status_code == 302
    detail = client.get(f"/cases/{case_of[i['creator']]}", headers=creator).json()
    assert detail["status"] == "overturned" and detail["appeal"]["outcome"] == "overturned"
    assert detail["actions"][0]["appeal_id"] == appeal_id
    with store.read() as conn:
        trail = [
            (r.action, r.object_id)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.id))
            if r.action.startswith(("enforcement.", "appeal."))
        ]
    assert ("enforcement.reverse", str(i["creator"])) in trail
    assert trail[-2:] == [
        ("enforcement.reverse", str(i["creator"])),
        ("appeal.decide", str(appeal_id)),
    ]

    # the other member appeals and is upheld: still revoked, still named in the decision
    r = client.post(
        f"/cases/{case_of[i['other_creator']]}/appeal",
        json={"statement": "不是我发的"},
        headers=other,
    )
    upheld = {"outcome": "upheld", "reason": "same template, same minutes"}
    r = client.post(f"/appeals/{r.json()['id']}/decision", json=upheld, headers=auth(mod2))
    assert r.status_code == 200 and r.json()["reversed_action_ids"] == []
    d = policy_for(store, i["offer"], i["other_note"])
    assert not d["allowed"]
    assert {"action_id": action_of[i["other_creator"]], "case_id": case_of[i["other_creator"]]} in (
        d["enforcement"]
    )
    assert client.get(f"/cases/{case_of[i['other_creator']]}", headers=mod).json()["status"] == (
        "actioned"
    )

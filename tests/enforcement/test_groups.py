"""One action on every case of a campaign: each member's case gets its own audited, reversible
action; cases that cannot take it are skipped with the reason, and nothing half-done remains. A
campaign is one case in the queue; each member's case stays appealable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import World, build_world, campaign_cases
from seedtrail import messages
from seedtrail.core.errors import Forbidden, InvalidInput, NotFound
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, appeals, campaign_intake, cases, groups, queue
from seedtrail.store import audit
from seedtrail.store.schema import accounts
from seedtrail.store.store import Store

MOD = Principal(id=5, name="mod", role="moderator")


def _campaign(store: Store, members: list[int], key: str = "camp-1") -> list[int]:
    with store.transaction() as conn:
        return campaign_cases(conn, members, key)


def _status(store: Store, account: int) -> str:
    with store.read() as conn:
        return str(conn.execute(select(accounts.c.status).where(accounts.c.id == account)).scalar())


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def test_ban_a_whole_campaign_then_reverse_one_member(store: Store, world: World) -> None:
    members = [world.ids["creator"], world.ids["other_creator"]]
    ids = _campaign(store, members)
    with store.transaction() as conn:  # one member already banned by hand: skipped, with why
        actions.take(conn, MOD, ids[0], "ban", "first look")
    with store.transaction() as conn:
        done = groups.take(conn, MOD, "camp-1", "ban", "coordinated comments")
    assert [r["case_id"] for r in done["taken"]] == [ids[1]]
    why = f"case {ids[0]} already has an active action: ban the account"
    assert [(s["case_id"], s["why"]) for s in done["skipped"]] == [(ids[0], why)]
    assert messages.render("zh-CN", done["skipped"][0]["why_msg"]).startswith(f"案件 {ids[0]} ")
    assert [_status(store, a) for a in members] == ["banned", "banned"]
    with store.read() as conn:
        entries = audit.entries(conn, limit=50)
        group_entry = next(e for e in entries if e["action"] == "enforcement.group_action")
        assert group_entry["object_id"] == "camp-1"
        assert group_entry["detail"]["action_ids"] == [done["taken"][0]["id"]]
        for_case = [e for e in entries if e["action"] == "enforcement.action"]
        assert {e["detail"]["case_id"] for e in for_case} == set(ids)
        assert cases.get(conn, MOD, ids[1])["status"] == "actioned"
    with store.transaction() as conn:  # each member's action stays reversible on its own
        actions.reverse(conn, MOD, done["taken"][0]["id"], "appeal upheld")
    assert [_status(store, a) for a in members] == ["banned", "active"]


def test_an_action_that_fits_no_case_changes_nothing(store: Store, world: World) -> None:
    ids = _campaign(store, [world.ids["creator"]])
    with store.transaction() as conn:
        done = groups.take(conn, MOD, "camp-1", "hide", "comments only")
        assert done["taken"] == []
        assert done["skipped"][0]["case_id"] == ids[0]
        assert "does not apply to a account" in done["skipped"][0]["why"]
        assert cases.get(conn, MOD, ids[0])["status"] == "open"
    assert _status(store, world.ids["creator"]) == "active"


def test_unknown_group_and_non_staff_are_refused(store: Store, world: World) -> None:
    _campaign(store, [world.ids["creator"]])
    with store.transaction() as conn, pytest.raises(NotFound, match="no cases in group"):
        groups.take(conn, MOD, "nope", "label", "why not")
    brand = Principal(id=9, name="b", role="brand", account_id=world.ids["brand"])
    with store.transaction() as conn, pytest.raises(Forbidden):
        groups.take(conn, brand, "camp-1", "label", "not mine to do")


def test_a_campaign_is_one_case_acted_on_as_a_group_and_appealed_per_member(
    store: Store, world: World, tmp_path: Path
) -> None:
    """The import opens one case per campaign; the queue shows it alone; its group action bans
    every member and marks it actioned; one member's appeal reverses only that member."""
    members = [world.ids["creator"], world.ids["other_creator"]]
    line = {"campaign": 7, "accounts": members, "comments": [], "notes": [world.ids["note"]]}
    path = tmp_path / "campaigns.jsonl"
    path.write_text(json.dumps(line) + "\n", "utf-8")
    report = campaign_intake.import_campaigns(store, MOD, path)
    again = campaign_intake.import_campaigns(store, MOD, path)
    assert (report.opened, report.members, again.opened, again.members) == (1, 2, 0, 0)
    with store.read() as conn:
        (lead,) = queue.rows(conn, MOD, {})  # members are not listed one by one
        under = queue.rows(conn, MOD, {"parent_id": lead["id"]})
        detail = cases.detail(conn, MOD, lead["id"])
        assert actions.offered(conn, detail) == []  # the campaign itself takes the group action
    assert lead["subject_type"] == "campaign" and lead["summary_code"] == "water_army.campaign"
    assert sorted(c["subject_id"] for c in under) == sorted(members)
    assert actions.group_offered(detail) == ["label", "ban", "revoke_link_privileges"]
    with store.transaction() as conn, pytest.raises(InvalidInput, match="is a campaign"):
        actions.take(conn, MOD, lead["id"], "ban", "not like this")
    with store.transaction() as conn:
        done = groups.take(conn, MOD, lead["group_key"], "ban", "coordinated comments")
    assert len(done["taken"]) == 2 and done["skipped"] == []
    assert [_status(store, a) for a in members] == ["banned", "banned"]
    owner = Principal(id=9, name="c", role="creator", account_id=world.ids["creator"])
    mine = next(c for c in under if c["subject_id"] == world.ids["creator"])
    with store.transaction() as conn:
        assert cases.get(conn, MOD, lead["id"])["status"] == "actioned"
        assert [c["id"] for c in queue.rows(conn, owner, {})] == [mine["id"]]
        appeal = appeals.file(conn, owner, mine["id"], "我是真实用户")
        other = Principal(id=6, name="reviewer", role="moderator")
        appeals.decide(conn, other, appeal["id"], "overturned", "a real customer")
    assert [_status(store, a) for a in members] == ["active", "banned"]

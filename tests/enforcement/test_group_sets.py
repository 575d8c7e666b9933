"""The group action works set-wise (a few statements per 500 cases) and leaves exactly what taking
the action case by case leaves: the same action rows with the state each replaced, the same audit
entries per account (links closed included), the same case and subject states, the same cases
skipped with the same reasons. The reference is the old loop: ``actions.take`` per case, each in
its own savepoint, skipping what it refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from factories import OPERATOR, World, build_world
from seedtrail.core.errors import Conflict, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, cases, groups
from seedtrail.store.schema import accounts, audit_log, enforcement_actions
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store

MOD = Principal(id=5, name="mod", role="moderator")
KEY = "camp-sets"
NOT_IN_STORE = 2_000_000


def _setup(store: Store, world: World) -> None:
    """Members: the creator (a live link on their note), the brand (owns the offer; two cases,
    one already actioned by hand with a label after a reversed ban), the other creator, and an
    account the store lacks."""
    world.mount()
    members = [
        (world.ids["creator"], "a"),
        (world.ids["brand"], "a"),
        (world.ids["other_creator"], "a"),
        (NOT_IN_STORE, "a"),
        (world.ids["brand"], "b"),
    ]
    specs = [
        cases.CaseSpec(subject_type="account", subject_id=a, detector="water_army", severity=2,
                       summary=f"member {a}", evidence={"member": a, "run": tag}, group_key=KEY)
        for a, tag in members
    ]  # fmt: skip
    extra = Principal(id=6, name="other", role="moderator")
    with store.transaction() as conn:
        done = int(cases.open_many(conn, OPERATOR, specs)[-1][0]["id"])
        first = actions.take(conn, extra, done, "ban", "earlier, by hand")
        actions.reverse(conn, extra, first["id"], "undo")
        actions.take(conn, extra, done, "label", "earlier label")


def _one_by_one(conn: Connection, action: str) -> list[dict[str, Any]]:
    skipped = []
    for case_id in groups.members(conn, KEY):
        try:
            with conn.begin_nested():
                actions.take(conn, MOD, case_id, action, "coordinated comments")
        except (Conflict, InvalidInput) as exc:
            why_msg = exc.msg.as_dict() if exc.msg else None
            skipped.append({"case_id": case_id, "why": exc.detail, "why_msg": why_msg})
    return skipped


def _snapshot(conn: Connection, since: int) -> dict[str, Any]:
    ea = enforcement_actions
    taken = sorted(
        (r["case_id"], r["action"], r["subject_type"], r["subject_id"], r["account_id"],
         repr(r["prior_state"]), repr(r["applied_state"]), r["reason"], r["actor"],
         r["reversed_at"] is None)
        for r in conn.execute(select(ea).where(ea.c.actor == MOD.label)).mappings()
    )  # fmt: skip
    by_id = {r["id"]: r["case_id"] for r in conn.execute(select(ea.c.id, ea.c.case_id)).mappings()}
    entries = []
    for e in conn.execute(select(audit_log).where(audit_log.c.id > since)).mappings():
        if e["action"] == "enforcement.group_action":
            continue
        detail = dict(e["detail"] or {})
        if "action_id" in detail:  # ids differ between runs; the case they belong to does not
            detail["action_id"] = ("case", by_id[detail["action_id"]])
        if e["action"] == "case.status":  # "ban (action 12)"
            detail["reason"] = re.sub(r"\(action \d+\)", "(action)", str(detail["reason"]))
        entries.append(
            (e["actor"], e["action"], e["object_type"], e["object_id"], repr(e["before"]),
             repr(e["after"]), json.dumps(detail, sort_keys=True))
        )  # fmt: skip
    return {
        "actions": taken,
        "audit": sorted(entries),
        "cases": sorted(conn.execute(select(cases_table.c.id, cases_table.c.status)).all()),
        "accounts": sorted(conn.execute(select(accounts.c.id, accounts.c.status)).all()),
    }


@pytest.mark.parametrize("action", ["ban", "revoke_link_privileges", "label", "hide"])
def test_the_group_action_leaves_what_case_by_case_leaves(store: Store, action: str) -> None:
    world = build_world(store)
    _setup(store, world)
    results = []
    for way in ("sets", "one_by_one"):
        with store.engine.connect() as conn:
            tx = conn.begin()
            since = int(conn.execute(select(func.max(audit_log.c.id))).scalar() or 0)
            if way == "sets":
                skipped = groups.take(conn, MOD, KEY, action, "coordinated comments")["skipped"]
            else:
                skipped = _one_by_one(conn, action)
            results.append((_snapshot(conn, since), skipped))
            tx.rollback()
    (sets, sets_skipped), (single, single_skipped) = results
    assert sets_skipped == single_skipped
    assert sets["actions"] == single["actions"]
    assert sets["audit"] == single["audit"]
    assert sets["cases"] == single["cases"] and sets["accounts"] == single["accounts"]
    if action == "ban":  # not a trivial case: bans, a closed link, a repeat and a refusal
        details = [json.loads(e[6]) for e in sets["audit"] if e[1] == "enforcement.action"]
        assert len(details) == 4
        assert any(d["live_links_closed"] for d in details)
        priors = sorted(a[5] for a in sets["actions"])
        assert priors.count(repr({"status": "banned"})) == 1  # the second case on one account
        assert [s["why"] for s in sets_skipped] == [
            f"account {NOT_IN_STORE} is not in the store: it can get only label"
        ]

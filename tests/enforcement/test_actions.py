"""Actions change their subject, reversal restores exactly the prior state in any order, and
every step is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import OPERATOR, World, build_world
from seedtrail.community import accounts, notes
from seedtrail.core import resources
from seedtrail.core.errors import Conflict, Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, cases
from seedtrail.store import audit
from seedtrail.store.schema import comments
from seedtrail.store.schema import notes as notes_table
from seedtrail.store.store import Store

MOD = Principal(id=5, name="mod", role="moderator")


def open_on(store: Store, kind: str, ident: int, summary: str = "flagged") -> int:
    with store.transaction() as conn:
        body = cases.CaseIn(subject_type=kind, subject_id=ident, summary=summary)
        return int(cases.open_manual(conn, MOD, body)["id"])


def note_status(store: Store, note_id: int) -> str:
    with store.read() as conn:
        return str(
            conn.execute(select(notes_table.c.status).where(notes_table.c.id == note_id)).scalar()
        )


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def test_stacked_note_actions_reverse_to_the_start_in_any_order(store: Store, world: World) -> None:
    note = world.ids["note"]
    for order in ((0, 1), (1, 0)):
        a, b = (
            open_on(store, "note", note, f"claims {order}"),
            open_on(store, "note", note, f"ad {order}"),
        )
        with store.transaction() as conn:
            throttle = actions.take(conn, MOD, a, "throttle", "medical claim")
            remove = actions.take(conn, MOD, b, "remove", "repeat offence")
        assert throttle["prior_state"] == {"status": "normal"}
        assert remove["prior_state"] == {"status": "throttled"}
        assert note_status(store, note) == "removed"
        first, second = (throttle, remove) if order == (0, 1) else (remove, throttle)
        with store.transaction() as conn:
            actions.reverse(conn, MOD, first["id"], "appeal")
        # undoing the throttle under an active removal leaves the note removed; undoing the
        # removal first brings the throttle back
        assert note_status(store, note) == ("removed" if order == (0, 1) else "throttled")
        with store.transaction() as conn:
            actions.reverse(conn, MOD, second["id"], "appeal")
        assert note_status(store, note) == "normal"


def test_ban_and_comment_actions_restore_exact_prior_values(store: Store, world: World) -> None:
    with store.transaction() as conn:
        resources.update(
            conn,
            accounts.RESOURCE,
            OPERATOR,
            world.ids["creator"],
            accounts.AccountPatch(status="suspended"),
        )
        comment = resources.create(
            conn,
            notes.COMMENTS,
            OPERATOR,
            notes.CommentIn(
                note_id=world.ids["note"],
                author_id=world.ids["other_creator"],
                body="加我薇信 abc_12345 便宜出",
            ),
        )
    case = open_on(store, "account", world.ids["creator"])
    with store.transaction() as conn:
        ban = actions.take(conn, MOD, case, "ban", "scam shop")
    assert ban["prior_state"] == {"status": "suspended"}
    with store.transaction() as conn:
        actions.reverse(conn, MOD, ban["id"], "mistake")
        assert accounts.RESOURCE.repo.get(conn, world.ids["creator"])["status"] == "suspended"
    ccase = open_on(store, "comment", comment["id"])
    with store.transaction() as conn:
        hide = actions.take(conn, MOD, ccase, "hide", "diversion")
        assert conn.execute(select(comments.c.status)).scalar() == "hidden"
        actions.reverse(conn, MOD, hide["id"], "appeal")
        assert conn.execute(select(comments.c.status)).scalar() == "visible"
        entries = audit.entries(conn, action_prefix="enforcement.")
    kinds = [(e["action"], e["object_type"]) for e in entries]
    assert kinds[:2] == [("enforcement.reverse", "comment"), ("enforcement.action", "comment")]
    assert entries[0]["before"] == {"status": "hidden"} and entries[0]["after"] == {
        "status": "visible"
    }


def test_refusals_say_why(store: Store, world: World) -> None:
    case = open_on(store, "note", world.ids["note"])
    with store.transaction() as conn:
        with pytest.raises(InvalidInput, match="a note can get: label, throttle, remove"):
            actions.take(conn, MOD, case, "ban", "wrong subject")
        with pytest.raises(Forbidden):
            actions.take(conn, Principal(9, "c", "creator", account_id=1), case, "label", "self")
    with store.transaction() as conn:
        label = actions.take(conn, MOD, case, "label", "soft ad")
    with (
        store.transaction() as conn,
        pytest.raises(Conflict, match="already has an active action: label"),
    ):
        actions.take(conn, MOD, case, "label", "again")
    with store.transaction() as conn:
        actions.reverse(conn, MOD, label["id"], "fine")
        assert cases.repo.get(conn, case)["status"] == "open"  # back in the queue
    with store.transaction() as conn, pytest.raises(Conflict, match="already reversed"):
        actions.reverse(conn, MOD, label["id"], "twice")
    # a subject outside the store (a comment kept in the lake) can be labelled, not hidden
    with store.transaction() as conn:
        absent, _ = cases.open_case(
            conn,
            MOD,
            subject_type="comment",
            subject_id=10**12,
            detector="diversion",
            severity=3,
            summary="lake comment",
            evidence={"findings": []},
        )
        actions.take(conn, MOD, absent["id"], "label", "contact")
        with pytest.raises(InvalidInput, match="not in the store"):
            actions.take(conn, MOD, absent["id"], "hide", "contact")

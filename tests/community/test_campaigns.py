"""Campaign membership is checked against the campaign's brand, whoever asks."""

from __future__ import annotations

import pytest

from factories import OPERATOR, build_world, make
from seedtrail.community import accounts, campaigns, notes
from seedtrail.core.errors import Forbidden
from seedtrail.store.store import Store


def test_operator_cannot_put_a_strangers_note_in_a_brands_campaign(store: Store) -> None:
    w = build_world(store)
    stranger = make(
        store, accounts.RESOURCE, handle="s", display_name="s", kind="creator", follower_count=1
    )["id"]
    note = make(store, notes.NOTES, author_id=stranger, title="x", category="food")["id"]
    with store.transaction() as conn, pytest.raises(Forbidden, match=str(note)):
        campaigns.add_notes(conn, OPERATOR, w.ids["campaign"], [note])
    with store.transaction() as conn:
        assert campaigns.add_notes(conn, OPERATOR, w.ids["campaign"], [w.ids["note"]]) == [
            w.ids["note"]
        ]

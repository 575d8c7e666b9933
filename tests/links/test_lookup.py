from __future__ import annotations

from sqlalchemy import select

from factories import build_world, make
from seedtrail.community import notes
from seedtrail.links import mounts
from seedtrail.links.lookup import Prefetched
from seedtrail.store.schema import link_mounts
from seedtrail.store.store import Store


def test_prefetched_rows_give_the_same_facts_as_one_query_each(store: Store) -> None:
    w = build_world(store)
    comment = make(
        store, notes.COMMENTS, note_id=w.ids["note"], author_id=w.ids["creator"], body="好用"
    )
    w.mount()
    w.mount(offer_id=w.ids["mini_offer"])
    w.mount(placement="comment", comment_id=comment["id"], note_id=None)
    w.mount(placement="note_card", offer_id=w.ids["web_offer"])
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(select(link_mounts)).mappings()]
        look = Prefetched(conn, rows)
        for m in rows:
            args = {
                k: m[k] for k in ("placement", "offer_id", "note_id", "comment_id", "account_id")
            }
            one = mounts.gather(conn, **args, expires_at=m["expires_at"])
            many = mounts.gather(conn, **args, expires_at=m["expires_at"], lookup=look)
            assert many == one
    assert len(rows) == 4

"""The moderator's queue page shows the queue a window of 1,000 cases at a time: the next window
follows the cursor (ranks go on from 1,001), "back to the top" returns, the filters stay, and a
bad cursor is an error page (422), not a crash."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import insert

from factories import build_world
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow
from seedtrail.web.views.moderator import QUEUE_LIMIT

N = QUEUE_LIMIT + 37


def test_the_queue_page_follows_the_cursor_past_the_first_window(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    now = utcnow()
    with store.transaction() as conn:
        conn.execute(
            insert(cases_table),
            [{"subject_type": "comment", "subject_id": 10_000 + i, "detector": "diversion",
              "severity": 1 + i % 4, "reach": i, "summary": f"s{i}", "evidence": {},
              "evidence_hash": f"h{i}", "status": "open", "opened_by": "t", "created_at": now,
              "updated_at": now} for i in range(N)],
        )  # fmt: skip
    r = client.post("/ui/signin", data={"key": w.keys["moderator"], "next": "/ui/moderator"})
    first = client.get("/ui/moderator?status=open", headers={"Accept-Language": "en"})
    assert first.status_code == 200
    assert f"cases 1–{QUEUE_LIMIT} of the queue" in first.text
    nxt = re.search(r'<a rel="next" href="([^"]*after=[^"]*)"', first.text)
    assert nxt, "no link to the next window"
    href = nxt.group(1).replace("&amp;", "&")
    assert "status=open" in href
    second = client.get("/ui/moderator" + href, headers={"Accept-Language": "en"})
    assert second.status_code == 200, second.text[:500]
    assert f"cases {QUEUE_LIMIT + 1}–{N} of the queue" in second.text
    assert 'rel="first"' in second.text and f"next {QUEUE_LIMIT} cases" not in second.text
    ranks = re.findall(r'data-col="rank">([\d,]+)</td>', second.text)
    assert ranks and ranks[0].replace(",", "") == str(QUEUE_LIMIT + 1)
    bad = client.get("/ui/moderator?after=nonsense", headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and "cursor" in bad.text
    assert r.status_code in (200, 303)

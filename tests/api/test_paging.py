"""Long lists over the API page by cursor: the Link header (rel="next") and X-Next-Cursor lead
through every row once, in the list's order, and the last page has neither; a cursor the list did
not give out, one from other filters, and offsets past 10,000 are 422 problems in the reader's
language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from factories import World, auth, build_world
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.store import Store
from seedtrail.store.types import utcnow

PROBLEM = "https://seedtrail.dev/problems/invalid-input"


@pytest.fixture
def world(store: Store) -> World:
    w = build_world(store)
    now = utcnow()
    with store.transaction() as conn:
        conn.execute(
            insert(cases_table),
            [{"subject_type": "comment", "subject_id": 100 + i, "detector": "diversion",
              "severity": 1 + i % 3, "reach": i % 2, "summary": f"s{i}", "evidence": {},
              "evidence_hash": f"h{i}", "status": "open", "opened_by": "t", "created_at": now,
              "updated_at": now} for i in range(23)],
        )  # fmt: skip
    return w


def _follow(client: TestClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = path
    while url is not None:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        rows += r.json()
        link = r.headers.get("link")
        if link is None:
            assert "x-next-cursor" not in r.headers
            url = None
            continue
        match = re.fullmatch(r'<(/[^>]*)>; rel="next"', link)
        assert match, link
        url = match.group(1)
        assert url.endswith("cursor=" + r.headers["x-next-cursor"])
        assert "offset=" not in url
    return rows


@pytest.mark.parametrize(
    ("path", "whole"),
    [
        ("/cases?limit=4", "/cases?limit=1000"),
        (
            "/cases?limit=3&status=open&min_severity=2",
            "/cases?limit=1000&status=open&min_severity=2",
        ),
        ("/audit?limit=5&action=account", "/audit?limit=1000&action=account"),
        ("/audit?limit=7", "/audit?limit=1000"),
        ("/accounts?limit=1", "/accounts?limit=1000"),
        ("/offers?limit=2", "/offers?limit=1000"),
    ],
)
def test_the_link_header_leads_through_every_row_once(
    client: TestClient, world: World, path: str, whole: str
) -> None:
    op = auth(world.keys["operator"])
    everything = client.get(whole, headers=op).json()
    assert len(everything) > 2
    walked = _follow(client, path, op)
    assert [r["id"] for r in walked] == [r["id"] for r in everything]


def test_bad_cursors_and_deep_offsets_are_422_problems(client: TestClient, world: World) -> None:
    op = auth(world.keys["operator"])
    first = client.get("/cases?limit=2&status=open", headers=op)
    cursor = first.headers["x-next-cursor"]
    for path in (
        "/cases?cursor=garbage",
        "/cases?cursor=",
        f"/cases?cursor={cursor[:-3]}",
        f"/audit?cursor={cursor}",  # another list's cursor
        f"/clicks?cursor={cursor}",
        f"/notes?cursor={cursor}",
        f"/cases?cursor={cursor}&status=dismissed",  # other filters
        "/cases?offset=10001",
        "/audit?offset=10001",
        "/accounts?offset=10001",
        f"/cases?cursor={cursor}&status=open&offset=2",
    ):
        r = client.get(path, headers=op)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == PROBLEM
    r = client.get(f"/cases?cursor={cursor}", headers={**op, "Accept-Language": "zh-CN"})
    assert r.status_code == 422 and "筛选条件" in r.json()["detail"]
    r = client.get("/cases?offset=20000", headers=op)
    assert "cursor" in r.json()["detail"] and "10000" in r.json()["detail"]
    assert client.get("/cases?offset=10000", headers=op).status_code == 200


def test_an_owner_pages_only_their_own_cases(client: TestClient, world: World) -> None:
    """The cursor grants nothing: an owner following it still sees only their own cases."""
    op = auth(world.keys["operator"])
    cursor = client.get("/cases?limit=2", headers=op).headers["x-next-cursor"]
    r = client.get(f"/cases?cursor={cursor}", headers=auth(world.keys["creator"]))
    assert r.status_code == 200 and r.json() == []

"""Search cards (搜索品专) and live rooms (直播间) as placements through the API: a brand mounts
on its own search card, a creator in her live room for the session only; the redirect serves a
live-room link only while the session is live; their view kinds have windows of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from factories import auth, build_world
from seedtrail.attribution.spec import Windows
from seedtrail.store.store import Store


def _iso(t: datetime) -> str:
    return t.isoformat()


def test_search_card_and_live_room_mounts(store: Store, client: TestClient) -> None:
    w = build_world(store)
    now = datetime.now(UTC)
    brand, creator = w.keys["brand"], w.keys["creator"]
    card = {"placement": "search_card", "offer_id": w.ids["offer"], "account_id": w.ids["brand"]}
    r = client.post("/mounts", json=card, headers=auth(brand))
    assert r.status_code in (200, 201), r.text
    assert r.json()["placement"] == "search_card"

    room = {
        "placement": "live_room", "offer_id": w.ids["web_offer"], "account_id": w.ids["creator"],
        "starts_at": _iso(now - timedelta(minutes=5)), "expires_at": _iso(now + timedelta(hours=1)),
    }  # fmt: skip
    r = client.post("/mounts", json=room, headers=auth(creator))
    assert r.status_code in (200, 201), r.text
    live = r.json()
    assert [c["check"] for c in r.json()["decision"]["checks"] if c["check"] == "live_session"]
    tap = client.get(f"/r/{live['code']}", follow_redirects=False)
    assert tap.status_code in (302, 200), tap.text  # served while live

    later = {**room, "starts_at": _iso(now + timedelta(hours=2)),
             "expires_at": _iso(now + timedelta(hours=3))}  # fmt: skip
    r = client.post("/mounts", json=later, headers=auth(creator))
    assert r.status_code == 403, r.text
    assert any(
        c["check"] == "live_session" and not c["passed"] for c in r.json()["decision"]["checks"]
    )

    for bad in (
        {**room, "starts_at": None},
        {**room, "starts_at": room["expires_at"]},
        {k: v for k, v in card.items() if k != "account_id"},
        {**card, "placement": "billboard"},
    ):
        r = client.post("/mounts", json=bad, headers=auth(brand))
        assert r.status_code == 422, (bad, r.text)
    # another account's search card or live room: refused like a profile card
    r = client.post("/mounts", json={**card, "account_id": w.ids["creator"]}, headers=auth(brand))
    assert r.status_code == 403


@pytest.mark.parametrize(("kind", "days"), [("search_view", 7), ("live_view", 1)])
def test_view_kinds_have_their_own_windows(kind: str, days: int) -> None:
    assert Windows().for_kind(kind) == timedelta(days=days)
    assert Windows(search=timedelta(days=3)).for_kind("search_view") == timedelta(days=3)
    assert Windows().longest == timedelta(days=15)

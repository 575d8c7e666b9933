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


def test_a_past_session_is_replayed_at_its_own_time_through_the_policy(store: Store) -> None:
    """Replaying history (``sim load``, the demo): a live room whose session is over is refused
    now (expired) but decided by the same policy at the session's start (``as_of``, audited as
    such); a replayed tap is served while the session was live and closed after it."""
    from seedtrail.core.principals import Principal
    from seedtrail.links import mounts
    from seedtrail.links.resolver import Resolver
    from seedtrail.store import audit

    w = build_world(store)
    start = datetime(2025, 3, 5, 12, tzinfo=UTC)
    room = mounts.MountIn(
        placement="live_room", offer_id=w.ids["web_offer"], account_id=w.ids["creator"],
        starts_at=start, expires_at=start + timedelta(hours=2),
    )  # fmt: skip
    creator = Principal(id=0, name="creator", role="creator", account_id=w.ids["creator"])
    with store.transaction() as conn:
        now = mounts.create(conn, creator, room)
        before = mounts.create(conn, creator, room, as_of=start - timedelta(minutes=1))
        then = mounts.create(conn, creator, room, as_of=start)
    assert now["mount"] is None and before["mount"] is None and then["mount"] is not None
    failed = {c["check"] for c in now["decision"]["checks"] if not c["passed"]}
    assert failed == {"expiry"}
    assert {c["check"] for c in before["decision"]["checks"] if not c["passed"]} == {"live_session"}
    with store.read() as conn:
        entries = audit.entries(conn, action_prefix="mount.decision", limit=3)
    assert [e["detail"].get("as_of") for e in entries] == [
        start.isoformat(),
        (start - timedelta(minutes=1)).isoformat(),
        None,
    ]  # newest first
    code = then["mount"]["code"]
    resolver = Resolver(store, refresh_s=3600.0)
    assert resolver.lookup(code).target is None  # today: the session is over
    assert resolver.at(code, start + timedelta(minutes=30)).target is not None
    assert resolver.at(code, start + timedelta(hours=2)).target is None

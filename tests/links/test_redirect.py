"""The click redirect end to end, through the ASGI app, on every store backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import OPERATOR, World, auth, build_world
from seedtrail.core.principals import Principal
from seedtrail.links import clickstats, codes
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

PHONE = {
    "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
}


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def click_rows(store: Store) -> list[dict[str, object]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute(select(clicks).order_by(clicks.c.id)).mappings()]


def test_web_link_redirects_with_fresh_click_id(
    client: TestClient, world: World, store: Store
) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    assert re.fullmatch(r"[A-Za-z0-9]{8}", code)
    r = client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    assert r.status_code == 302
    loc = urlsplit(r.headers["location"])
    assert (loc.scheme, loc.netloc, loc.path) == ("https", "shop.example.com", "/p/42")
    click_id = parse_qs(loc.query)["st_click"][0]
    assert codes.CLICK_ID_RE.match(click_id)
    r2 = client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    assert parse_qs(urlsplit(r2.headers["location"]).query)["st_click"][0] != click_id
    rows = click_rows(store)
    assert rows[0]["click_id"] == click_id
    first = rows[0]
    assert first["note_id"] == world.ids["note"] and first["placement"] == "note_card"
    assert first["partner_id"] == world.ids["webshop"] and first["ua_class"] == "mobile"
    assert first["is_bot"] is False and first["outcome"] == "redirect"


def test_app_target_goes_through_interstitial_with_web_fallback(
    client: TestClient, world: World
) -> None:
    code = world.mount()["code"]
    r = client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"].startswith(f"/r/{code}/app?st_click=")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    click_id = r.headers["location"].split("=")[1]
    assert f"taobao://item.taobao.com/item.htm?id=6000123&amp;st_click={click_id}" in page.text
    assert f"https://item.taobao.com/item.htm?id=6000123&amp;st_click={click_id}" in page.text
    assert "window.location.replace(web)" in page.text
    # the note is under a paid collab: the page shows its 赞助 label (docs/links.md)
    assert 'data-ad-label="sponsored"' in page.text and "赞助 · Sponsored" in page.text


def test_mini_program_behind_consent_page(client: TestClient, world: World) -> None:
    code = world.mount(offer_id=world.ids["mini_offer"])["code"]
    r = client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    assert r.headers["location"].startswith(f"/r/{code}/wechat?st_click=")
    page = client.get(r.headers["location"]).text
    assert "微信" in page and "WeChat identity" in page
    assert "weixin://dl/business/?appid=wx0123456789abcdef&amp;path=pages/item/index" in page


def test_interstitial_refuses_forged_click_ids(client: TestClient, world: World) -> None:
    code = world.mount()["code"]
    r = client.get(f"/r/{code}/app?st_click=<script>alert(1)</script>")
    assert r.status_code == 410 and "<script>alert" not in r.text


def test_rule_change_closes_live_link_at_once(client: TestClient, world: World) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    assert client.get(f"/r/{code}", follow_redirects=False).status_code == 302
    r = client.patch(
        f"/rules/{world.ids['rule']}",
        json={"effect": "closed"},
        headers=auth(world.keys["operator"]),
    )
    assert r.status_code == 200
    closed = client.get(f"/r/{code}", follow_redirects=False)
    assert closed.status_code == 410
    assert "shop.example.com" not in closed.text and "location" not in closed.headers
    assert "链接" in closed.text and "unavailable" in closed.text
    client.patch(
        f"/rules/{world.ids['rule']}", json={"effect": "open"}, headers=auth(world.keys["operator"])
    )
    assert client.get(f"/r/{code}", follow_redirects=False).status_code == 302


def test_kill_switch_closes_every_partner_link(
    client: TestClient, world: World, store: Store
) -> None:
    a = world.mount()["code"]
    b = world.mount(placement="note_card", note_id=world.ids["note"])["code"]
    op = auth(world.keys["operator"])
    r = client.post(
        f"/partners/{world.ids['partner']}/kill-switch",
        json={"links_enabled": False, "reason": "data leak"},
        headers=op,
    )
    assert r.status_code == 200
    assert [client.get(f"/r/{c}", follow_redirects=False).status_code for c in (a, b)] == [410, 410]
    audit = client.get("/audit?action=partner.kill_switch", headers=op).json()
    assert audit[0]["detail"] == {"reason": "data leak"}
    assert audit[0]["before"] == {"links_enabled": True}
    assert all(row["outcome"] == "unavailable" for row in click_rows(store))


def test_other_process_change_is_seen_via_epoch(
    client: TestClient, world: World, store: Store
) -> None:
    from seedtrail.links import partners

    code = world.mount()["code"]
    assert client.get(f"/r/{code}", follow_redirects=False).status_code == 302
    other = Store(store.engine)  # another process's store: no in-process listener
    with other.transaction() as conn:
        partners.set_links_enabled(conn, OPERATOR, world.ids["partner"], False, "outage")
    assert client.get(f"/r/{code}", follow_redirects=False).status_code == 410


def test_bots_previews_and_head_are_logged_but_flagged(
    client: TestClient, world: World, store: Store
) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    for ua in (
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "TelegramBot (like TwitterBot)",
        "curl/8.0",
    ):
        assert (
            client.get(f"/r/{code}", headers={"user-agent": ua}, follow_redirects=False).status_code
            == 302
        )
    assert client.head(f"/r/{code}", headers=PHONE, follow_redirects=False).status_code == 302
    rows = click_rows(store)
    assert len(rows) == 5 and all(r["is_bot"] for r in rows)
    assert [r["ua_class"] for r in rows][:3] == ["bot", "preview", "preview"]
    assert rows[-1]["method"] == "HEAD"
    counted = client.get("/clicks?counted_only=true", headers=auth(world.keys["operator"]))
    assert counted.json() == []


def test_repeat_clicks_by_same_viewer_are_duplicates(
    client: TestClient, world: World, store: Store
) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    viewer = {**PHONE, "x-seedtrail-viewer": "viewer-123456"}
    for _ in range(3):
        client.get(f"/r/{code}", headers=viewer, follow_redirects=False)
    client.get(
        f"/r/{code}",
        headers={**PHONE, "x-seedtrail-viewer": "viewer-other"},
        follow_redirects=False,
    )
    rows = click_rows(store)
    assert [r["is_duplicate"] for r in rows] == [False, True, True, False]
    assert rows[0]["viewer_key"] == "viewer-123456"


def test_signed_cookie_identifies_viewer_and_forgery_is_ignored(
    client: TestClient, world: World, store: Store
) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    first = client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.get(f"/r/{code}", headers=PHONE, follow_redirects=False)
    client.cookies.clear()
    forged = client.get(
        f"/r/{code}", headers={**PHONE, "cookie": "st_v=victim-key.AAAA"}, follow_redirects=False
    )
    assert "set-cookie" in forged.headers
    keys = [r["viewer_key"] for r in click_rows(store)]
    assert keys[0] == keys[1] and keys[2] not in (keys[0], "victim-key")


def test_a_referer_that_is_no_url_still_redirects_and_logs_the_tap(
    client: TestClient, world: World, store: Store
) -> None:
    """``Referer: http://[broken/`` made urlsplit raise: a bare 500 and no click logged."""
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    for referer in ("http://[broken/", "http://[::1"):
        r = client.get(f"/r/{code}", headers={**PHONE, "referer": referer}, follow_redirects=False)
        assert r.status_code == 302, r.text
    assert [row["referrer_host"] for row in click_rows(store)] == ["", ""]


def test_unknown_and_malformed_codes_are_404_pages(client: TestClient, world: World) -> None:
    for path in ("/r/AAAAAAAA", "/r/%2e%2e", "/r/toolongcode123", "/r/", "/r/abc&x"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 404 and "链接不存在" in r.text


def test_disabled_and_expired_mounts_are_unavailable(client: TestClient, world: World) -> None:
    from datetime import UTC, datetime, timedelta

    mount = world.mount(offer_id=world.ids["web_offer"])
    op = auth(world.keys["operator"])
    r = client.post(f"/mounts/{mount['id']}/status", json={"status": "disabled"}, headers=op)
    assert r.status_code == 200
    assert client.get(f"/r/{mount['code']}", follow_redirects=False).status_code == 410
    soon = datetime.now(UTC) + timedelta(milliseconds=300)
    expiring = world.mount(offer_id=world.ids["web_offer"], expires_at=soon.isoformat())
    assert client.get(f"/r/{expiring['code']}", follow_redirects=False).status_code == 302
    import time

    time.sleep(0.4)
    assert client.get(f"/r/{expiring['code']}", follow_redirects=False).status_code == 410


def test_abusive_client_gets_429_with_retry_after(store: Store, tmp_path: object) -> None:
    from seedtrail.api.app import create_app
    from seedtrail.core.settings import load_settings

    world = build_world(store)
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    settings = load_settings(data_dir=tmp_path, redirect_rate_per_s=1.0, redirect_rate_burst=3)
    with TestClient(create_app(settings, store=store)) as tc:
        statuses = [tc.get(f"/r/{code}", follow_redirects=False).status_code for _ in range(5)]
        assert statuses[:3] == [302, 302, 302] and statuses[3:] == [429, 429]
        r = tc.get(f"/r/{code}", follow_redirects=False)
        assert int(r.headers["retry-after"]) >= 1


def test_click_log_failure_means_no_redirect(
    client: TestClient, world: World, store: Store
) -> None:
    code = world.mount(offer_id=world.ids["web_offer"])["code"]
    with store.transaction() as conn:
        conn.exec_driver_sql("DROP TABLE clicks")
    r = client.get(f"/r/{code}", follow_redirects=False)
    assert r.status_code == 503 and "location" not in r.headers
    assert r.headers["retry-after"] == "1"


def test_counts(client: TestClient, world: World, store: Store) -> None:
    """Logged and counted clicks per mount and per day, over real redirects: bots and repeats
    are logged but do not count."""
    a = world.mount(offer_id=world.ids["web_offer"])
    b = world.mount(offer_id=world.ids["web_offer"])
    for viewer in ("viewer-aaaaaa", "viewer-aaaaaa", "viewer-aaaaaa", "viewer-bbbbbb"):
        headers = {**PHONE, "x-seedtrail-viewer": viewer}
        assert client.get(f"/r/{a['code']}", headers=headers, follow_redirects=False).is_redirect
    bot = {"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}
    assert client.get(f"/r/{a['code']}", headers=bot, follow_redirects=False).is_redirect
    assert client.get(f"/r/{b['code']}", headers=PHONE, follow_redirects=False).is_redirect
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(clicks)).scalar() == 6
        operator = Principal(0, "ops", "operator")
        assert clickstats.per_mount(conn, operator) == {
            a["id"]: {"clicks": 5, "counted": 2},
            b["id"]: {"clicks": 1, "counted": 1},
        }
        days = clickstats.per_day(conn, operator)
        assert sum(n for _, n in days) == 3  # one day, or two around midnight UTC
        assert days[-1][0] == datetime.now(UTC).date().isoformat()
        assert clickstats.per_day(conn, operator, note_ids=[-1]) == []
    ops = auth(world.keys["operator"])
    logged = client.get("/clicks", headers=ops).json()
    counted = client.get("/clicks?counted_only=true", headers=ops).json()
    assert (len(logged), len(counted)) == (6, 3)
    mine = client.get(f"/clicks?mount_id={a['id']}&counted_only=true", headers=ops).json()
    assert sorted(c["viewer_key"] for c in mine) == ["viewer-aaaaaa", "viewer-bbbbbb"]

"""Sign-in, sessions, CSRF and error pages through the app (no browser needed)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from factories import auth, build_world, make
from seedtrail.community import campaigns
from seedtrail.links import rules
from seedtrail.store.schema import accounts, notes
from seedtrail.store.store import Store


def _sign_in(client: TestClient, key: str, next_: str = "/ui/") -> str:
    r = client.post("/ui/signin", data={"key": key, "next": next_}, follow_redirects=False)
    assert r.status_code == 303
    return str(r.headers["location"])


def test_session_cookie_never_holds_the_key_and_revocation_ends_it(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    assert _sign_in(client, w.keys["creator"]) == "/ui/creator"
    cookie = client.cookies.get("st_session")
    assert cookie and w.keys["creator"] not in cookie
    assert client.get("/ui/creator").status_code == 200
    me = client.get("/me", headers=auth(w.keys["creator"])).json()
    client.delete(f"/keys/{me['id']}", headers=auth(w.keys["operator"]))
    r = client.get("/ui/creator", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/signin?next=")


def test_only_a_buyers_own_key_is_offered_the_commission_statement(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    _sign_in(client, w.keys["creator"])
    assert 'href="/ui/commission"' not in client.get("/ui/creator").text
    page = client.get("/ui/commission")  # still answers, saying there is no statement
    assert page.status_code == 200 and "不是买手" in page.text
    with store.transaction() as conn:  # the same account, now a buyer
        conn.execute(update(accounts).where(accounts.c.id == w.ids["creator"]).values(kind="buyer"))
    assert 'href="/ui/commission"' in client.get("/ui/creator").text
    client.cookies.clear()
    _sign_in(client, w.keys["operator"])
    assert 'href="/ui/commission"' in client.get("/ui/operator").text


def test_unsigned_visitors_go_to_sign_in_and_come_back(client: TestClient, store: Store) -> None:
    w = build_world(store)
    r = client.get("/ui/operator?audit.page=2", follow_redirects=False)
    assert r.headers["location"] == "/ui/signin?next=%2Fui%2Foperator%3Faudit.page%3D2"
    assert _sign_in(client, w.keys["operator"], "/ui/operator?audit.page=2").endswith("page=2")
    for evil in ("//evil.example/ui/", "https://evil.example/", "/ui/..//evil", "/api"):
        client.cookies.clear()
        assert _sign_in(client, w.keys["operator"], evil) == "/ui/operator"


def test_a_bad_key_is_401_with_a_hint(client: TestClient, store: Store) -> None:
    build_world(store)
    r = client.post("/ui/signin", data={"key": "st_nope"}, headers={"accept-language": "en"})
    assert r.status_code == 401 and "invalid or revoked" in r.text


def test_forms_need_the_sessions_csrf_token(client: TestClient, store: Store) -> None:
    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    url = f"/ui/operator/partners/{w.ids['partner']}/kill-switch"
    body = {"links_enabled": "false", "reason": "drill"}
    r = client.post(url, data=body)
    assert r.status_code == 400
    page = client.get("/ui/operator").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(url, data={**body, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    partner = client.get(f"/partners/{w.ids['partner']}", headers=auth(w.keys["operator"])).json()
    assert partner["links_enabled"] is False


def test_the_kill_switch_refuses_a_moderator_as_the_api_does(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    _sign_in(client, w.keys["moderator"])
    token = client.get("/ui/moderator").text.split('name="csrf" content="')[1].split('"')[0]
    url = f"/ui/operator/partners/{w.ids['partner']}/kill-switch"
    r = client.post(url, data={"links_enabled": "false", "reason": "drill", "csrf": token})
    assert r.status_code == 403
    api = client.post(
        f"/partners/{w.ids['partner']}/kill-switch",
        json={"links_enabled": False, "reason": "drill"},
        headers=auth(w.keys["moderator"]),
    )
    assert api.status_code == 403


def test_bad_query_input_renders_a_422_page(client: TestClient, store: Store) -> None:
    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    r = client.get("/ui/health?hours=5", headers={"accept-language": "en"})
    assert r.status_code == 422 and "hours must be one of" in r.text
    r = client.get("/ui/operator/preview?rule_id=abc")
    assert r.status_code == 422
    assert client.get("/ui/brand/campaigns/999").status_code == 404


def test_an_id_past_the_stores_range_is_a_422_page_on_every_route(
    client: TestClient, store: Store
) -> None:
    """``/ui/n/10**23`` and ``/ui/moderator/cases/2**63/dismiss`` were 500s (an OverflowError in
    the database driver; a bare "Internal Server Error" for the forms). Every dashboard route with
    an ``{ident:int}`` is walked, so one added later is too."""
    from starlette.routing import Route

    from seedtrail.web.app import ROUTES

    w = build_world(store)
    _sign_in(client, w.keys["operator"])
    token = client.get("/ui/moderator").text.split('name="csrf" content="')[1].split('"')[0]
    routes = [r for r in ROUTES if isinstance(r, Route) and "{ident:int}" in r.path]
    assert len(routes) >= 14
    for route in routes:
        method = "POST" if "POST" in (route.methods or ()) else "GET"
        for bad in (0, 2**31, 2**63, 10**23):
            url = "/ui" + route.path.replace("{ident:int}", str(bad))
            for lang, says in (("en", f"ident {bad} is not an id"), ("zh-CN", f"ident {bad} 不是")):
                headers = {"accept-language": lang}
                r = client.request(method, url, data={"csrf": token}, headers=headers)
                assert r.status_code == 422, (url, r.status_code, r.text[:200])
                assert says in r.text and 'class="error-page"' in r.text, (url, r.text[:300])
    r = client.get(
        "/ui/operator/preview?rule_id=99999999999999999999", headers={"accept-language": "en"}
    )
    assert r.status_code == 422 and "rule_id 99999999999999999999 is not an id" in r.text


def test_an_unexpected_failure_is_a_500_page_without_a_traceback(
    client: TestClient, store: Store, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    w = build_world(store)
    c = make(store, campaigns.RESOURCE, brand_id=w.ids["brand"], name="c", starts_on="2026-06-01")
    _sign_in(client, w.keys["brand"])
    reports = settings.data_dir / "attribution"
    reports.mkdir()
    (reports / "latest.json").write_text("{not json")  # a broken pointer file
    with caplog.at_level(logging.ERROR, logger="seedtrail.web"):
        r = client.get(f"/ui/brand/campaigns/{c['id']}", headers={"accept-language": "en"})
    assert r.status_code == 500
    assert 'class="error-page"' in r.text and "the server log has why" in r.text
    assert "Traceback" not in r.text
    assert any("failed" in rec.getMessage() for rec in caplog.records)


def test_times_read_as_dates_in_the_pages_language() -> None:
    from seedtrail.web.render import when

    zh, en = {"lang": "zh-CN"}, {"lang": "en"}
    assert when(zh, 1_741_985_205.566688) == "2025年3月14日 20:46:45"
    assert when(en, 0) == "Jan 1, 1970, 12:00:00\u202fAM"
    assert when(zh, "2026-06-01T10:00:00+00:00") == "2026年6月1日 10:00:00"
    assert when(en, None) == "—" and when(en, "") == "—"
    assert when(en, True) == "True"  # a flag is not a time


def _cells(html: str, col: str) -> list[str]:
    return re.findall(rf'<td[^>]*data-col="{col}"[^>]*>([^<]*)<', html)


def test_tables_show_times_and_categories_in_the_pages_language(
    client: TestClient, store: Store
) -> None:
    """A table's times were Chinese on an English page (its macro saw no language), and a
    note's or rule's category showed as stored (``skincare``) on a Chinese page."""
    w = build_world(store)
    _sign_in(client, w.keys["creator"])
    en = client.get("/ui/creator", headers={"accept-language": "en"}).text
    published = _cells(en, "published_at")
    assert published and all(re.match(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", p) for p in published)
    zh = client.get("/ui/creator", headers={"accept-language": "zh-CN"}).text
    assert "年" in _cells(zh, "published_at")[0] and _cells(zh, "category") == ["护肤"]
    client.cookies.clear()
    _sign_in(client, w.keys["operator"])
    zh = client.get("/ui/operator", headers={"accept-language": "zh-CN"}).text
    assert _cells(zh, "category") == ["护肤"]


def test_a_category_the_catalogue_does_not_know_reads_as_written(
    client: TestClient, store: Store
) -> None:
    """Categories are free text: one without a word in the catalogue (``pets``) is shown as
    stored, not as its key (``category.pets``)."""
    w = build_world(store)
    with store.transaction() as conn:
        conn.execute(update(notes).values(category="pets"))
    _sign_in(client, w.keys["creator"])
    for lang in ("zh-CN", "en"):
        page = client.get("/ui/creator", headers={"accept-language": lang}).text
        assert _cells(page, "category") == ["pets"], lang


def test_a_changes_units_read_in_the_pages_language() -> None:
    from seedtrail.web.render import units

    zh, en = {"lang": "zh-CN"}, {"lang": "en"}
    assert units(zh, ["beauty", "mother_baby"]) == "美妆、母婴"
    assert units(en, ["beauty", "mother_baby"]) == "beauty, mother & baby"
    assert units(zh, "outdoor") == "户外"
    named = {**zh, "partner_names": {"tmall": "天猫"}}  # the page's names (one query per page)
    assert units(named, ["tmall", "jd"], "partner") == "天猫、jd"  # a partner by name, else slug
    assert units(zh, ["handmade"]) == "handmade"  # typed by hand, no word for it: as written


def _partner_tabs(html: str) -> list[str]:
    nav = html.split('data-choice="partner"')[1].split("</nav>")[0]
    return re.findall(r">([^<]+)</a>", nav)


def test_pages_name_a_partner_by_its_name_not_its_slug(client: TestClient, store: Store) -> None:
    """The shop page's picker and its "合作方：" line, a rule's partner, the kill switch's
    preview and its reasons showed the slug (``taobao``); they show the name (淘宝) now, the slug
    kept where an operator needs it (the address, a muted code, form values)."""
    w = build_world(store)
    w.mount()
    make(store, rules.RESOURCE, name="taobao fashion", effect="open", partner_id=w.ids["partner"])
    _sign_in(client, w.keys["operator"])
    zh = {"accept-language": "zh-CN"}
    shop = client.get("/ui/shop?partner=taobao", headers=zh).text
    assert _partner_tabs(shop) == ["淘宝", "Shop", "京东小程序"]
    assert 'href="/ui/shop?partner=taobao&amp;dimension=item"' in shop  # the slug addresses it
    assert '合作方：淘宝 <code class="slug">taobao</code>' in shop
    assert _cells(client.get("/ui/operator", headers=zh).text, "partner") == ["*", "淘宝"]
    preview = client.get(
        f"/ui/operator/preview?kind=kill_switch&partner_id={w.ids['partner']}", headers=zh
    ).text
    assert "总开关：关闭伙伴 淘宝 的全部链接" in preview
    reasons = _cells(preview, "reason")
    assert reasons and all("伙伴 淘宝 的链接已被总开关关闭" in r for r in reasons)
    assert "taobao" not in preview.split("<main>")[1]
    client.cookies.clear()
    _sign_in(client, w.keys["moderator"])  # lists no partners, yet reads the rule's one
    assert _cells(client.get("/ui/operator", headers=zh).text, "partner") == ["*", "淘宝"]
    client.cookies.clear()
    _sign_in(client, w.keys["partner"])
    shop = client.get("/ui/shop", headers={"accept-language": "en"}).text
    assert 'Partner: 淘宝 <code class="slug">taobao</code>' in shop


def test_a_reader_without_a_key_is_not_sent_back_to_a_list(
    client: TestClient, store: Store
) -> None:
    """A public page's 404 said "go back to the list and pick again", with a link to the start
    page (the sign-in form): a reader has neither. It says what happened and what to check;
    a signed-in user keeps the old wording. An address no route answers is the same page (it
    was a bare "Not Found")."""
    w = build_world(store)
    for lang, hint in (
        ("zh-CN", "页面不存在，或已不再公开。请检查你打开的链接。"),
        ("en", "This page does not exist, or is no longer public. Check the link you followed."),
    ):
        for path in ("/ui/n/999999", "/ui/n/12x"):
            r = client.get(path, headers={"accept-language": lang})
            assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
            main = r.text.split("<main>")[1]
            assert hint in main and 'href="/ui/' not in main and "/signin" not in main
    _sign_in(client, w.keys["creator"])
    r = client.get("/ui/n/999999", headers={"accept-language": "en"})
    assert r.status_code == 404 and "Go back to the list and pick again." in r.text
    assert '<a href="/ui/">Back to the start</a>' in r.text
    r = client.get("/ui/no-such-view", headers={"accept-language": "en"})
    assert r.status_code == 404 and "there is no page at /ui/no-such-view" in r.text

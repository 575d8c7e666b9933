"""The community's note page (``/ui/n/{id}``) in a real browser at phone width, as a reader with
no key: the note, its 赞助 label on each link card, then a tap through the redirect to the WeChat
consent page and on to the shop, and through the app's interstitial (which falls back to the
shop's web page when no app opens). The tap is then in the click log (``GET /clicks``) and on the
creator's dashboard. The shops' own web pages are outside seedtrail: the browser is answered for
their hosts with a stand-in page, and records where it was sent."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from dashboard_site import PHONE, Site, shot, sign_in_with

pytestmark = pytest.mark.browser
SHOPS = ("https://item.jd.com/**", "https://item.taobao.com/**")


def _reader(browser: Any, locale: str) -> tuple[Any, list[str]]:
    """A phone browser with no session; the shops' pages answered by a stand-in, URLs kept."""
    context = browser.new_context(
        locale=locale, viewport={"width": 390, "height": 844}, user_agent=PHONE
    )
    reached: list[str] = []

    def shop(route: Any) -> None:
        reached.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1 id=shop>shop</h1>")

    for pattern in SHOPS:
        context.route(pattern, shop)
    return context.new_page(), reached


def _click_id(url: str) -> str:
    return parse_qs(urlsplit(url).query)["st_click"][0]


def _logged(site: Site, mount_id: int, click_id: str) -> dict[str, Any]:
    """The click ``click_id`` as ``GET /clicks`` lists it (the log is moved in within a second)."""
    api = site.api("operator")
    for _ in range(100):
        rows = api.get("/clicks", params={"mount_id": mount_id, "limit": 1000}).json()
        found = [r for r in rows if r["click_id"] == click_id]
        if found:
            return dict(found[0])
        time.sleep(0.1)
    raise AssertionError(f"click {click_id} never reached the click log")


def test_a_reader_taps_from_a_note_through_consent_to_the_shop(browser: Any, site: Site) -> None:
    w, op = site.world, site.api("operator")
    note = op.get(f"/notes/{w.ids['note']}").json()
    mounts = {m["code"]: m for m in op.get("/mounts", params={"note_id": note["id"]}).json()}
    mini = mounts[site.codes["mini"]]
    page, reached = _reader(browser, "zh-CN")
    page.goto(f"{site.url}/ui/n/{note['id']}")
    assert page.text_content("h1") == note["title"]
    cards = page.locator("a.link-card")
    codes = [c.get_attribute("data-code") for c in cards.all()]
    assert site.codes["mini"] in codes and set(codes) <= set(mounts)
    labels = page.locator("a.link-card .ad-label").all_text_contents()
    assert labels == ["赞助"] * len(codes) and note["ad_label"] == "sponsored"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "fits a phone"
    shot(page, "note-zh")

    page.click(f"a.link-card[data-code='{site.codes['mini']}']")
    page.wait_for_url("**/wechat?st_click=*")
    assert page.locator(".ad-label").text_content() == "赞助 · Sponsored"
    assert str(page.get_attribute("#continue", "href")).startswith("weixin://dl/business/")
    shot(page, "note-wechat-consent")
    click_id = _click_id(page.url)
    page.click("#open-web")
    page.wait_for_selector("#shop")
    assert reached and _click_id(reached[-1]) == click_id, "the shop gets the click id"
    row = _logged(site, mini["id"], click_id)
    assert (row["note_id"], row["outcome"], row["is_bot"]) == (note["id"], "consent", False)

    app = mounts.get(site.codes["note"])
    if site.codes["note"] in codes:  # unless a test closed the marketplace: its app's page
        page.goto(f"{site.url}/ui/n/{note['id']}")
        # the interstitial tries the app (taobao://, which no app answers here: that attempt is
        # aborted), then falls back to the shop's web page
        shop = "https://item.taobao.com/"
        with page.expect_request(lambda r: r.url.startswith(shop), timeout=15_000) as sent:
            page.click(f"a.link-card[data-code='{site.codes['note']}']")
        row = _logged(site, app["id"] if app else 0, _click_id(sent.value.url))
        assert row["outcome"] == "interstitial"
    page.context.close()

    counted = op.get("/clicks", params={"mount_id": mini["id"], "counted_only": True}).json()
    dash = sign_in_with(browser, site.url, w.keys["creator"])
    dash.goto(f"{site.url}/ui/creator")
    row_sel = f"#table-mounts tr:has(td[data-col=code]:text-is('{site.codes['mini']}'))"
    shown = dash.locator(f"{row_sel} td[data-col=counted]").text_content()
    assert int(str(shown).replace(",", "")) == len(counted)
    dash.context.close()


def test_the_note_page_in_english(browser: Any, site: Site) -> None:
    w, op = site.world, site.api("operator")
    shown = op.get("/comments", params={"note_id": w.ids["note"], "status": "visible"}).json()
    page, _ = _reader(browser, "en-US")
    page.goto(f"{site.url}/ui/n/{w.ids['note']}")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.text_content("h2") == f"Comments · {len(shown)}"
    assert page.locator("ol.comments > li").count() == len(shown)
    labels = page.locator("a.link-card .ad-label").all_text_contents()
    assert labels and set(labels) == {"赞助 · Sponsored"}
    shot(page, "note-en")
    assert page.goto(f"{site.url}/ui/n/987654").status == 404
    # a reader has no list to go back to, and no start page: what to check instead
    assert "Check the link you followed." in str(page.text_content(".error-page"))
    assert page.locator(".error-page a").count() == 0
    shot(page, "note-404-en")
    page.context.close()

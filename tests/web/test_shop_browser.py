"""The shop page (``/ui/shop``) in a real browser: a shop partner's key sees its own partner's
rows exactly as ``GET /shop/{partner}/attribution`` releases them, in Chinese and English, and
nothing of another partner; an operator picks any partner."""

from __future__ import annotations

from typing import Any

import pytest
from dashboard_site import SimSite, shot, sign_in_with

from seedtrail.web import tables

pytestmark = pytest.mark.browser


def _own_partner(sim_site: SimSite) -> str:
    """The shop key's partner: the only one its page names."""
    for p in sim_site.api("operator").get("/partners").json():
        if sim_site.api("partner").get(f"/shop/{p['slug']}/attribution").status_code == 200:
            return str(p["slug"])
    raise AssertionError("the shop key reads no partner")


def test_a_shop_key_sees_its_own_rows_as_the_api_releases_them(
    browser: Any, sim_site: SimSite
) -> None:
    api = sim_site.api("partner")
    slug = _own_partner(sim_site)
    page = sign_in_with(browser, sim_site.url, sim_site.keys["partner"])
    page.click("header nav a[href='/ui/shop']")
    page.wait_for_load_state()
    assert page.get_attribute("[data-partner]", "data-partner") == slug
    assert page.locator("[data-choice=partner]").count() == 0  # no partner to pick
    for dimension in ("item", "campaign", "note"):
        page.click(f"[data-choice=dimension] a[href$='dimension={dimension}']")
        page.wait_for_load_state()
        want = api.get(f"/shop/{slug}/attribution", params={"dimension": dimension}).json()
        # rows by item show their key; by note or campaign their name (the API's title)
        col, field = ("key", "key") if dimension == "item" else ("title", "title")
        shown = page.locator(f"[data-table=shop] td[data-col={col}]").all_text_contents()
        keys = [r[field] or "" for r in want["rows"]]
        assert len(shown) == min(len(keys), tables.PER_PAGE)
        assert set(shown) <= set(keys)
        if want["other"]:
            rows = page.get_attribute("[data-other-rows]", "data-other-rows")
            assert rows == str(want["other"]["rows"])
        if dimension == "item":
            assert shown and all(k.startswith(slug + ":") for k in shown)
            shot(page, "shop-items-zh")
    shot(page, "shop-notes-zh")
    funded = api.get(f"/shop/{slug}/funding").json()["campaigns"]
    assert [c["campaign_id"] for c in funded] == [sim_site.campaign]
    cells = page.locator("#table-funding td[data-col=campaign_name]").all_text_contents()
    name = sim_site.api("operator").get(f"/campaigns/{sim_site.campaign}").json()["name"]
    assert cells == [funded[0]["campaign_name"]] == [name]  # the campaign by name, not id
    share = page.locator("#table-funding td[data-col=share]").all_text_contents()
    assert share == ["25%"]  # a share as a percentage, as on the other pages
    # Another partner named in the address: the page still shows the key's own partner only.
    others = [
        p["slug"] for p in sim_site.api("operator").get("/partners").json()
        if p["slug"] != slug
    ]  # fmt: skip
    page.goto(f"{sim_site.url}/ui/shop?partner={others[0]}&dimension=item")
    assert page.get_attribute("[data-partner]", "data-partner") == slug
    assert api.get(f"/shop/{others[0]}/attribution").status_code == 403
    page.context.close()


def test_the_shop_page_in_english_and_for_the_operator(browser: Any, sim_site: SimSite) -> None:
    page = sign_in_with(browser, sim_site.url, sim_site.keys["partner"], locale="en-US")
    page.goto(sim_site.url + "/ui/shop?dimension=item")
    assert page.text_content("h1") == "Your shop's conversions"
    assert "clean-room rule" in str(page.text_content("main"))
    shot(page, "shop-items-en")
    page.context.close()
    page = sign_in_with(browser, sim_site.url, sim_site.keys["operator"])
    page.goto(sim_site.url + "/ui/shop")
    # partners by name (they were listed by slug), in the API's order; the slug picks one
    listed = sim_site.api("operator").get("/partners").json()
    links = page.locator("[data-choice=partner] a").all_text_contents()
    assert links == [p["name"] for p in listed] and len(links) >= 2
    page.click(f"[data-choice=partner] a:text-is('{links[1]}')")
    page.wait_for_load_state()
    assert page.get_attribute("[data-partner]", "data-partner") == listed[1]["slug"]
    hint = str(page.text_content("[data-partner]"))
    assert hint == f"合作方：{listed[1]['name']} {listed[1]['slug']}"  # the slug a muted code
    shot(page, "shop-operator-zh")
    page.context.close()

"""The items page (``/ui/items``) in a real browser: a brand sees the funnel, spend and ROAS of
its own items exactly as ``GET /attribution/items`` releases them, in Chinese and English; the
shop page's item rows carry the same item's spend and ROAS."""

from __future__ import annotations

from typing import Any

import pytest
from dashboard_site import SimSite, shot, sign_in_with

from seedtrail.web import tables

pytestmark = pytest.mark.browser


def _num(text: str) -> float:
    return float(text.replace(",", "").replace("¥", "").replace("CN", ""))


def test_a_brand_sees_its_items_spend_and_roas_as_the_api_gives_them(
    browser: Any, sim_site: SimSite
) -> None:
    want = sim_site.api("brand").get("/attribution/items").json()
    rows = {r["key"]: r for r in want["items"]}
    assert any(r["roas"] for r in rows.values()), "the brand's boosted items have a ROAS"
    page = sign_in_with(browser, sim_site.url, sim_site.keys["brand"])
    page.click("header nav a[href='/ui/items']")
    page.wait_for_load_state()
    keys = page.locator("[data-table=items] td[data-col=key]").all_text_contents()
    assert len(keys) == min(len(rows), tables.PER_PAGE) and set(keys) <= set(rows)
    roas = page.locator("[data-table=items] td[data-col=roas]").all_text_contents()
    spend = page.locator("[data-table=items] td[data-col=spend]").all_text_contents()
    for key, r_text, s_text in zip(keys, roas, spend, strict=True):
        row = rows[key]
        if row["roas"] is None:
            assert r_text == "—"
            continue
        assert _num(r_text) == pytest.approx(row["roas"], abs=0.006)
        assert _num(s_text) == pytest.approx(row["spend"], abs=0.6)
        assert row["roas"] == pytest.approx(row["gmv"]["scaled"] / row["spend"], rel=1e-9)
    titles = page.locator("[data-table=items] td[data-col=title]").all_text_contents()
    assert all(titles), "items carry their offer's title"
    shot(page, "items-brand-zh")
    page.context.close()

    page = sign_in_with(browser, sim_site.url, sim_site.keys["brand"], locale="en-US")
    page.goto(sim_site.url + "/ui/items")
    assert page.text_content("h1") == "Items: funnel, GMV and ROAS per item"
    assert "ROAS" in str(page.text_content("[data-table=items] thead"))
    shot(page, "items-brand-en")
    page.context.close()


def test_the_shop_page_shows_each_items_spend_and_roas(browser: Any, sim_site: SimSite) -> None:
    operator = sim_site.api("operator")
    items = {r["key"]: r for r in operator.get("/attribution/items").json()["items"]}
    page = sign_in_with(browser, sim_site.url, sim_site.keys["partner"])
    page.goto(sim_site.url + "/ui/shop?dimension=item")
    keys = page.locator("[data-table=shop] td[data-col=key]").all_text_contents()
    roas = page.locator("[data-table=shop] td[data-col=roas]").all_text_contents()
    assert keys and len(roas) == len(keys)
    shown = 0
    for key, text in zip(keys, roas, strict=True):
        if items[key]["roas"] is not None:
            assert _num(text) == pytest.approx(items[key]["roas"], abs=0.006)
            shown += 1
    assert shown, "some of the shop's items were boosted"
    page.context.close()

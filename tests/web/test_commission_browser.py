"""The commission page (``/ui/commission``) in a real browser: a buyer's key sees its own
statement exactly as ``GET /buyers/{id}/commission`` gives it, in Chinese and English; an
operator picks the buyer; a brand's menu has no such page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dashboard_site import Api, serve, shot, sign_in_with
from fastapi.testclient import TestClient

import buyerworld
from seedtrail.api.app import create_app
from seedtrail.core.settings import load_settings
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    data = tmp_path_factory.mktemp("commission-site")
    settings = load_settings(
        data_dir=data,
        redirect_rate_per_s=1000.0,
        redirect_rate_burst=1000,
        policy_refresh_s=0.0,
        click_log="store",
    )
    store = Store(make_engine(f"sqlite:///{data / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    with TestClient(create_app(settings, store=store)) as client:
        world = buyerworld.build(store, client, settings)
    store.dispose()
    with serve(data) as url:
        yield url, world


def _money(text: str) -> float:
    return float(text.replace(",", "").replace("¥", "").replace("CN", ""))


def test_a_buyer_sees_its_statement_as_the_api_gives_it(
    browser: Any, site: tuple[str, dict[str, Any]]
) -> None:
    url, world = site
    page = sign_in_with(browser, url, world["own"])
    page.click("header nav a[href='/ui/commission']")
    page.wait_for_load_state()
    since, until = str(page.get_attribute("[data-period]", "data-period")).split("/")
    assert since <= world["at"].date().isoformat() <= until
    want = (
        Api(url, world["own"])
        .get(f"/buyers/{world['buyer']}/commission", params={"since": since, "until": until})
        .json()
    )
    assert want["total"]["orders"] == 2 and want["total"]["commission_due"] == 20
    for col in ("orders", "refunds"):
        shown = page.text_content(f"[data-total-col={col}]")
        assert int(str(shown)) == want["total"][col]
    for col in ("net_gmv", "commission_due"):
        shown = _money(str(page.text_content(f"[data-total-col={col}]")))
        assert shown == pytest.approx(want["total"][col])
    partners = page.locator("[data-table=commission] td[data-col=partner]").all_text_contents()
    names = {p["slug"]: p["name"] for p in Api(url, world["own"]).get("/partners").json()}
    assert partners == [names[r["partner"]] for r in want["partners"]]  # by name, not slug
    assert "应付佣金" in str(page.text_content("main"))
    assert page.locator("[data-choice=buyer]").count() == 0  # a buyer picks no one else
    shot(page, "commission-buyer-zh")
    # a narrower period, by the address: the refund (three days on) falls outside it
    day = world["at"].date()
    page.goto(f"{url}/ui/commission?since={day}&until={day + timedelta(days=1)}")
    assert page.text_content("[data-total-col=refunds]") == "0"
    page.context.close()

    page = sign_in_with(browser, url, world["own"], locale="en-US")
    page.goto(url + "/ui/commission")
    assert page.text_content("h1") == "Buyer's commission statement"
    assert "Commission due" in str(page.text_content("main"))
    shot(page, "commission-buyer-en")
    page.context.close()


def test_the_operator_picks_a_buyer_and_a_brand_has_no_page(
    browser: Any, site: tuple[str, dict[str, Any]]
) -> None:
    url, world = site
    page = sign_in_with(browser, url, world["op"])
    page.goto(url + "/ui/commission")
    assert page.locator("[data-choice=buyer] a").all_text_contents() == ["@buyer-lin"]
    assert page.get_attribute("[data-buyer]", "data-buyer") == str(world["buyer"])
    page.context.close()
    page = sign_in_with(browser, url, world["brand"])
    assert page.locator("header nav a[href='/ui/commission']").count() == 0
    page.context.close()


def test_bad_dates_get_a_page_that_says_so(browser: Any, site: tuple[str, dict[str, Any]]) -> None:
    url, world = site
    page = sign_in_with(browser, url, world["own"], locale="en-US")
    response = page.goto(url + "/ui/commission?since=soon")
    assert response is not None and response.status == 422
    assert "not a date" in str(page.text_content("main"))
    page.context.close()

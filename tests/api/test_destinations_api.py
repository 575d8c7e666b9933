"""Issue 16's destination findings, through the API as an operator or a brand would send them:
browser-opening app templates on ``POST /partners`` and ``PATCH /partners/{id}``, http and
explicit ports, and full-width or bracketed hosts in offer URLs. Each is a 422
``unsafe-destination`` problem and changes nothing; the app page of a live link still opens
only the partner's own app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import World, auth, build_world
from links.test_destinations import BROWSER_ESCAPES
from seedtrail.store.store import Store

ODD_URLS = [
    "https://shop.example.com／x",
    "https://shop.example.com＃x",
    "https://evil.example＠shop.example.com/",
    "https://shop.example.com？x",
    "https://evil.example／@shop.example.com/",
    "https://[shop.example.com]/x",
    "https://[shop.example.com/x",
    "https://[::1]/x",
    "http://shop.example.com/p/1",
    "https://shop.example.com:8443/p/1",
]


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def _unsafe(r: Any) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unsafe-destination"), r.json()


def test_browser_opening_app_templates_are_refused_on_create_and_update(
    client: TestClient, world: World
) -> None:
    op = auth(world.keys["operator"])
    before = client.get(f"/partners/{world.ids['partner']}", headers=op).json()
    for n, template in enumerate(BROWSER_ESCAPES):
        new = {
            "slug": f"app{n}", "name": "a", "kind": "marketplace",
            "allowed_hosts": ["item.taobao.com"],
            "web_url_template": "https://item.taobao.com/item.htm?id={item_id}",
            "app_url_template": template,
        }  # fmt: skip
        _unsafe(client.post("/partners", json=new, headers=op))
        patch = {"app_url_template": template}
        _unsafe(client.patch(f"/partners/{world.ids['partner']}", json=patch, headers=op))
    assert client.get(f"/partners/{world.ids['partner']}", headers=op).json() == before
    assert [p["slug"] for p in client.get("/partners", headers=op).json()] == [
        "taobao", "shop", "jd-mini"
    ]  # fmt: skip


def test_the_app_page_opens_only_the_partners_own_app(client: TestClient, world: World) -> None:
    code = world.mount()["code"]
    r = client.get(f"/r/{code}", follow_redirects=False)
    assert r.status_code == 302
    page = client.get(r.headers["location"], follow_redirects=False).text
    assert "taobao://item.taobao.com/item.htm?id=6000123" in page
    assert "intent:" not in page and "evil" not in page


@pytest.mark.parametrize("url", ODD_URLS)
def test_odd_offer_urls_are_refused_and_nothing_is_stored(
    client: TestClient, world: World, url: str
) -> None:
    brand = auth(world.keys["brand"])
    count = len(client.get("/offers", headers=brand).json())
    body = {
        "partner_id": world.ids["webshop"], "url": url, "title": "t", "price": "1",
        "category": "skincare",
    }  # fmt: skip
    _unsafe(client.post("/offers", json=body, headers=brand))
    assert len(client.get("/offers", headers=brand).json()) == count

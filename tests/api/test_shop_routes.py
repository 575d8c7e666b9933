"""The shop view (``GET /shop/{partner}/attribution``) and the item funnel
(``GET /attribution/items``) over a simulated world loaded into the store and its published
report: a shop key reads its own partner only, released under the clean room's k rule."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import reportworld
from factories import auth
from seedtrail.core import principals
from seedtrail.core.settings import Settings
from seedtrail.store.schema import offers, partners
from seedtrail.store.store import Store


@pytest.fixture
def setup(
    store: Store, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    shop = reportworld.published_shop_rows(store, settings, tmp_path_factory)
    keys: dict[str, str] = {}
    with store.transaction() as conn:
        slugs = dict(conn.execute(select(partners.c.slug, partners.c.id)).all())
        owner = conn.execute(
            select(offers.c.owner_id).where(offers.c.item_id.is_not(None)).limit(1)
        ).scalar()
        busy = sorted({r["partner"] for r in shop if r["purchases"] > 0})
        assert len(busy) >= 2, busy
        for name, role, extra in (
            ("op", "operator", {}),
            ("shop", "partner", {"partner_id": slugs[busy[0]]}),
            ("rival", "partner", {"partner_id": slugs[busy[1]]}),
            ("brand", "brand", {"account_id": owner}),
        ):
            _, keys[name] = principals.create(conn, name=name, role=role, **extra)
    return {"keys": keys, "shop": shop, "slug": busy[0], "rival": busy[1], "brand": owner}


def _get(client: TestClient, s: dict[str, Any], who: str, path: str) -> Any:
    return client.get(path, headers=auth(s["keys"][who]))


def _total(rows: list[dict[str, Any]], other: dict[str, Any] | None) -> float:
    return sum(r["purchases"]["sampled"] for r in rows) + (
        other["purchases"]["sampled"] if other else 0.0
    )


@pytest.mark.parametrize("dimension", ["item", "note", "creator", "campaign", "day"])
def test_a_shop_reads_its_own_rows_released_under_k(
    client: TestClient, setup: dict[str, Any], settings: Settings, dimension: str
) -> None:
    slug = setup["slug"]
    r = _get(client, setup, "shop", f"/shop/{slug}/attribution?dimension={dimension}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["partner"] == slug and body["dimension"] == dimension
    assert body["k"] == settings.cleanroom_k
    mine = [
        x
        for x in setup["shop"]
        if x["partner"] == slug and x["dimension"] == dimension and x["model"] == "position_based"
    ]
    shown = {x["key"] for x in body["rows"]}
    assert body["rows"] or body["other"], "the shop's rows are shown or summed into other"
    if dimension in ("item", "campaign"):
        assert shown, "the busiest shop's items and campaigns each reach k people"
    if any(x["people"] < settings.cleanroom_k for x in mine):  # withheld rows go to "other"
        assert body["other"] is not None and len(shown) < len(mine)
    assert shown <= {x["key"] for x in mine}
    for row in body["rows"]:
        assert row["people"] >= settings.cleanroom_k, row
        assert set(row["purchases"]) == {"sampled", "scaled", "ci95", "method"}
    if body["rows"] or body["other"]:  # nothing is lost: shown + other = the shop's total
        assert _total(body["rows"], body["other"]) == pytest.approx(
            sum(x["purchases"] for x in mine)
        )
    if dimension == "item":
        assert all(x["key"].startswith(slug + ":") for x in body["rows"] if x["key"] != "none")


def test_the_operator_reads_every_row_of_any_shop(
    client: TestClient, setup: dict[str, Any]
) -> None:
    slug = setup["rival"]
    body = _get(client, setup, "op", f"/shop/{slug}/attribution?dimension=note").json()
    mine = [
        x
        for x in setup["shop"]
        if x["partner"] == slug and x["dimension"] == "note" and x["model"] == "position_based"
    ]
    assert [x["key"] for x in body["rows"]] == sorted(x["key"] for x in mine)
    assert body["other"] is None


def test_a_shop_never_reads_another_partner(client: TestClient, setup: dict[str, Any]) -> None:
    for who, path, status in (
        ("shop", f"/shop/{setup['rival']}/attribution", 403),
        ("rival", f"/shop/{setup['slug']}/attribution", 403),
        ("brand", f"/shop/{setup['slug']}/attribution", 403),
        ("shop", "/shop/no-such-shop/attribution", 404),
        ("shop", f"/shop/{setup['slug']}/attribution?dimension=brand", 422),
        ("shop", "/attribution/items", 403),
        ("shop", "/attribution/campaigns", 403),
    ):
        r = _get(client, setup, who, path)
        assert r.status_code == status, (who, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_a_partner_named_by_a_digit_that_is_no_number_is_not_found(
    client: TestClient, setup: dict[str, Any]
) -> None:
    """``²`` and ``①`` are digits to ``str.isdigit`` but not to ``int``: naming a shop by one
    was a 500 (found by the fuzz test)."""
    for name in ("%C2%B2", "%E2%91%A0"):
        for route in ("attribution", "funding"):
            r = _get(client, setup, "op", f"/shop/{name}/{route}")
            assert r.status_code == 404, (name, route, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")


def test_a_brand_sees_the_funnel_of_its_own_items_only(
    client: TestClient, setup: dict[str, Any], store: Store
) -> None:
    with store.read() as conn:
        mine = {
            f"{s}:{i}"
            for s, i in conn.execute(
                select(partners.c.slug, offers.c.item_id)
                .join(partners, partners.c.id == offers.c.partner_id)
                .where(offers.c.owner_id == setup["brand"])
            ).all()
        }
    body = _get(client, setup, "brand", "/attribution/items").json()
    assert {r["key"] for r in body["items"]} <= mine
    everything = _get(client, setup, "op", "/attribution/items").json()["items"]
    assert len(everything) > len(body["items"])
    assert any(r["key"] not in mine for r in everything)

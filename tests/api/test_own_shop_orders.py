"""The platform's own shop records its orders natively (``POST /partners/{partner}/orders``): an
operator key or the own shop's own partner key, nothing signed, each order with the buyer's
community user key. The orders go through the inbox and the sealer into the lake like any shop's
events, and attribution knows the buyer without the clean room: an order that carries no click id
is still credited to the taps of the person who placed it, and the own shop's match rate is 1."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import buyerworld
from buyerworld import auth
from seedtrail.attribution.deployment import from_settings
from seedtrail.attribution.engines.duckdb import DuckDBEngine
from seedtrail.attribution.report import ReportSpec
from seedtrail.attribution.world import engine_inputs
from seedtrail.core import principals
from seedtrail.core.settings import Settings
from seedtrail.intake.sealer import seal
from seedtrail.intake.signature import HEADER, sign
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import partners
from seedtrail.store.store import Store


@pytest.fixture
def world(store: Store, client: TestClient, settings: Settings) -> dict[str, Any]:
    """The buyer world, an external shop, and a partner key for each shop."""
    out = buyerworld.build(store, client, settings)
    shop = {"slug": "tmall", "name": "天猫", "kind": "marketplace",
            "allowed_hosts": ["detail.tmall.example"],
            "web_url_template": "https://detail.tmall.example/item/{item_id}"}  # fmt: skip
    assert client.post("/partners", json=shop, headers=auth(out["op"])).status_code == 201
    with store.transaction() as conn:
        ids = {s: i for s, i in conn.execute(select(partners.c.slug, partners.c.id)).all()}
        out["ids"] = ids
        for slug in ("ownshop", "tmall"):
            _, out[slug] = principals.create(conn, name=slug, role="partner", partner_id=ids[slug])
    return out


def _order(eid: str, at: datetime, user: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": eid, "kind": "purchase", "ts": at.isoformat(), "user_key": user,
            "order_id": f"n-{eid}", "value": 50.0, "item_id": "os-1", **extra}  # fmt: skip


def test_only_operators_and_the_own_shop_record_and_only_for_an_own_shop(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = {"orders": [_order("a1", world["at"], "alice-0001")]}
    path = "/partners/ownshop/orders"
    assert client.post(path, json=body).status_code == 401
    for key in ("brand", "own", "tmall"):  # a brand, a buyer, another shop
        r = client.post(path, json=body, headers=auth(world[key]))
        assert r.status_code == 403, (key, r.text)
    assert "own shop's own partner key" in r.json()["detail"]
    r = client.post("/partners/tmall/orders", json=body, headers=auth(world["op"]))
    assert r.status_code == 422 and "kind marketplace, not own_shop" in r.text
    assert r.json()["errors"][0]["loc"] == ["partner"]
    zh = client.post("/partners/tmall/orders", json=body, headers=auth(world["op"], "zh-CN"))
    assert zh.status_code == 422 and "不是 own_shop" in zh.json()["detail"]
    r = client.post("/partners/nope/orders", json=body, headers=auth(world["op"]))
    assert r.status_code == 404
    # the own shop's orders are not signed postbacks: the postback still wants its signature,
    # and signed, it is refused (it would count the natively recorded orders twice)
    assert client.post("/partners/ownshop/events", json=body).status_code == 401
    secret = client.post(
        f"/partners/{world['ids']['ownshop']}/secrets", headers=auth(world["op"])
    ).json()["secret"]
    events = [{"event_id": "pb1", "ts": world["at"].isoformat(), "kind": "purchase",
               "shop_user_key": "s1", "value": 10.0, "order_id": "o1"}]  # fmt: skip
    raw = orjson.dumps({"events": events})
    signed = {HEADER: sign(secret.encode(), raw, int(time.time()))}
    r = client.post("/partners/ownshop/events", content=raw, headers=signed)
    assert r.status_code == 422 and "/partners/ownshop/orders" in r.json()["detail"], r.text
    assert r.json()["errors"][0]["loc"] == ["partner"]


def test_bad_orders_are_named_and_the_good_ones_kept(
    client: TestClient, world: dict[str, Any]
) -> None:
    at, path, key = world["at"], "/partners/ownshop/orders", auth(world["ownshop"])
    no_user = {k: v for k, v in _order("b1", at, "x").items() if k != "user_key"}
    r = client.post(path, json={"orders": [no_user]}, headers=key)
    assert r.status_code == 422 and "order 0 user_key" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"] == ["orders", 0, "user_key"]
    signed = _order("b2", at, "bob-00001", sample_rate=0.5)  # the own shop records every order
    refund = _order("b3", at, "bob-00001", kind="refund")  # a refund's value must be negative
    good = _order("b4", at, "bob-00001")
    r = client.post(path, json=[signed, refund, good], headers=key)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["accepted"], got["stored"]) == (1, 1)
    assert [(x["index"], x["errors"][0]["loc"]) for x in got["rejected"]] == [
        (0, ["sample_rate"]),
        (1, ["value"]),
    ]
    r = client.post(path, json={"orders": "x"}, headers=key)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["orders"]


def test_orders_reach_the_lake_and_credit_the_person_without_the_clean_room(
    client: TestClient, world: dict[str, Any], store: Store, settings: Settings, tmp_path: Path
) -> None:
    at: datetime = world["at"]
    path, key = "/partners/ownshop/orders", auth(world["ownshop"])
    # alice buys again later, from the own shop's app: no click id, but the shop knows her
    later = _order("c1", at + timedelta(hours=6), "alice-0001")
    refund = _order("c2", at + timedelta(days=2), "alice-0001", kind="refund", value=-50.0,
                    order_id="n-c1")  # fmt: skip
    r = client.post(path, json={"orders": [later, refund]}, headers=auth(world["op"]))
    assert r.status_code == 200 and r.json()["stored"] == 2, r.text
    again = client.post(path, json=[later], headers=key).json()  # sent twice: stored once
    assert (again["stored"], again["duplicates"]) == (0, 1)
    seal(store, Lake(settings.effective_lake_url), settings.data_dir / "locks")
    deployment = from_settings(settings, store)
    con = duckdb.connect()
    deployment.register(con)
    conv = con.execute(
        "SELECT event_id, kind, shop_user_key, value, sample_rate FROM w_conv "
        "WHERE event_id IN ('c1', 'c2') ORDER BY event_id"
    ).fetchall()
    assert conv == [("c1", "purchase", "alice-0001", 50.0, 1.0),
                    ("c2", "refund", "alice-0001", -50.0, 1.0)]  # fmt: skip
    own = deployment.describe()["matches"]["ownshop"]
    # the world's older orders came by file with click ids only: one names no tap of anyone's
    assert own["identity"] == "native" and (own["purchases"], own["match_rate"]) == (5, 0.8)
    with DuckDBEngine() as engine:
        engine.run(ReportSpec().attribution("last_touch"), engine_inputs(con, tmp_path / "in"))
        credited = engine.fetch(
            "SELECT conversion_id, user_key, touch_kind, SUM(credit) FROM st_out "
            "WHERE conversion_id IN ('c1', 'c2') GROUP BY ALL ORDER BY conversion_id"
        )
    # her tap on the buyer's link, through the known identity (no click id to match on)
    assert credited == [("c1", "alice-0001", "click", 1.0), ("c2", "alice-0001", "click", 1.0)]

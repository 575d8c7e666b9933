"""The production path, end to end, on a store and lake that never saw a simulated world.

A community sets seedtrail up through the API (accounts, a shop, offers, a rule), mounts links
through the policy, its people tap them through ``/r/`` (one repeat, one preview bot), the
community posts its own events, the shop posts signed conversions (one purchase re-sent under a
new event id), the sealer moves everything into the lake, both parties run their side of the
clean room and the joiner intersects; the report is built from the store, the lake and the
matches alone, and every figure below is computed by hand from the story.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from factories import auth, await_clicks
from seedtrail.api.app import create_app
from seedtrail.attribution.deployment import CLEANROOM_DIR, from_settings
from seedtrail.attribution.report import ReportSpec, build_from
from seedtrail.cleanroom.identity import IdColumns, match
from seedtrail.core import principals
from seedtrail.core.settings import Settings, load_settings
from seedtrail.intake.sealer import seal
from seedtrail.intake.signature import HEADER, sign
from seedtrail.lake.layout import Lake
from seedtrail.store.store import Store

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"
BOT_UA = "facebookexternalhit/1.1"
NOTE_1 = "64a1f3c2000000001e03b2d1"  # the community's own note ids: 24-character hex strings


@pytest.fixture
def deployment(tmp_path: Path, store: Store) -> Iterator[tuple[Settings, TestClient, str]]:
    settings = load_settings(
        data_dir=tmp_path,
        redirect_rate_per_s=1000.0,
        redirect_rate_burst=1000,
        policy_refresh_s=0.0,
        partner_key_cache_s=0,
        cleanroom_match_threshold=1,
    )
    with store.transaction() as conn:
        _, key = principals.create(conn, name="ops", role="operator")
    with TestClient(create_app(settings, store=store)) as client:
        yield settings, client, key


def _post(client: TestClient, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=auth(key))
    assert r.status_code in (200, 201), r.text
    out: dict[str, Any] = r.json()
    return out


def _tap(client: TestClient, code: str, viewer: str, ua: str = PHONE_UA) -> str:
    r = client.get(
        f"/r/{code}",
        headers={"user-agent": ua, "x-seedtrail-viewer": viewer},
        follow_redirects=False,
    )
    assert r.status_code == 302, r.text
    return r.headers["location"].split("st_click=")[1]


def _postback(client: TestClient, slug: str, secret: bytes, events: list[dict[str, Any]]) -> None:
    raw = orjson.dumps(events)
    r = client.post(
        f"/partners/{slug}/events",
        content=raw,
        headers={HEADER: sign(secret, raw, int(time.time())), "content-type": "application/json"},
    )
    assert r.status_code == 200 and not r.json()["rejected"], r.text


def _people(path: Path, keys: list[str], phones: list[str]) -> Path:
    pq.write_table(pa.table({"key": keys, "phone": phones}), path)
    return path


def test_a_report_from_store_lake_and_clean_room_alone(
    deployment: tuple[Settings, TestClient, str], store: Store, tmp_path: Path
) -> None:
    settings, client, key = deployment
    brand = _post(
        client,
        key,
        "/accounts",
        {"handle": "florasis", "display_name": "花西子", "kind": "brand", "verified": True},
    )
    note1 = _post(
        client, key, "/notes", {"author_id": brand["id"], "title": "散粉测评", "category": "beauty"}
    )
    note2 = _post(
        client, key, "/notes", {"author_id": brand["id"], "title": "口红", "category": "beauty"}
    )
    shop = _post(
        client,
        key,
        "/partners",
        {
            "slug": "shop",
            "name": "花西子官网",
            "kind": "web_shop",
            "allowed_hosts": ["shop.example"],
            "declared_sample_rate": 1.0,
        },
    )
    secret = _post(client, key, f"/partners/{shop['id']}/secrets", {})["secret"].encode()
    offer = _post(
        client,
        key,
        "/offers",
        {
            "partner_id": shop["id"],
            "owner_id": brand["id"],
            "url": "https://shop.example/p/1",
            "title": "散粉",
            "price": "100.00",
            "category": "beauty",
        },
    )
    _post(client, key, "/rules", {"name": "beauty open", "effect": "open", "category": "beauty"})
    m1 = _post(
        client,
        key,
        "/mounts",
        {"placement": "note_card", "offer_id": offer["id"], "note_id": note1["id"]},
    )
    m2 = _post(
        client,
        key,
        "/mounts",
        {"placement": "note_card", "offer_id": offer["id"], "note_id": note2["id"]},
    )
    n1, n2 = str(note1["id"]), str(note2["id"])

    now = time.time()
    community = [  # the community's own log: an impression and reads, an hour ago
        {
            "event_id": "e1",
            "user_key": "alice-0001",
            "note_id": n1,
            "kind": "impression",
            "ts": now - 3600,
        },
        {
            "event_id": "e2",
            "user_key": "carol-0001",
            "note_id": n1,
            "kind": "read",
            "ts": now - 3500,
        },
        {"event_id": "e3", "user_key": "bob-0001", "note_id": n2, "kind": "read", "ts": now - 3400},
        {
            "event_id": "e4",
            "user_key": "zed-0001",
            "note_id": NOTE_1,
            "kind": "read",
            "ts": now - 3300,
        },
    ]
    r = client.post("/community/events", json=community, headers=auth(key))
    assert r.status_code == 200 and r.json()["stored"] == 4, r.text

    alice_click = _tap(client, m1["code"], "alice-0001")
    _tap(client, m1["code"], "alice-0001")  # a repeat within the window: not counted
    _tap(client, m2["code"], "bob-0001")
    bot_click = _tap(client, m2["code"], "eve-previewer", BOT_UA)  # a previewer

    later = time.time()
    purchase = {"kind": "purchase", "sample_rate": 1.0, "ts": later, "currency": "CNY"}
    _postback(
        client,
        "shop",
        secret,
        [
            {
                **purchase,
                "event_id": "p1",
                "order_id": "9001234567890123",
                "value": 100.0,
                "click_id": alice_click,
                "shop_user_key": "s-alice",
            },
            # the same order sent again under a new event id: it counts once
            {
                **purchase,
                "event_id": "p1-again",
                "order_id": "9001234567890123",
                "value": 100.0,
                "click_id": alice_click,
                "shop_user_key": "s-alice",
            },
            # no click id: carol is found through the clean room only
            {
                **purchase,
                "event_id": "p2",
                "order_id": "9001234567890124",
                "value": 50.0,
                "shop_user_key": "s-carol",
            },
            # a customer the community does not know
            {
                **purchase,
                "event_id": "p3",
                "order_id": "9001234567890125",
                "value": 30.0,
                "shop_user_key": "s-dave",
            },
            # echoing a previewer's click: a bot's click is no touch
            {
                **purchase,
                "event_id": "p4",
                "order_id": "9001234567890126",
                "value": 20.0,
                "click_id": bot_click,
                "shop_user_key": "s-eve",
            },
        ],
    )
    await_clicks(store, 4)  # the serving process's mover copies its click segment into the store
    sealed = seal(store, Lake(settings.effective_lake_url), tmp_path / "locks")
    assert sealed.clicks_staged == 4  # every logged click, flagged ones included

    # Each party blinds its own people; only the joiner sees the (opaque) matches.
    users = _people(
        tmp_path / "users.parquet",
        ["alice-0001", "bob-0001", "carol-0001"],
        ["13800000001", "13800000002", "+86 138 0000 0003"],
    )
    customers = _people(
        tmp_path / "customers.parquet",
        ["s-alice", "s-carol", "s-dave"],
        ["13800000001", "13800000003", "13900000009"],
    )
    root = settings.data_dir / CLEANROOM_DIR
    ids = IdColumns("key", device=None)
    match(users, customers, "shop", root, community_ids=ids, shop_ids=ids, threshold=1, processes=1)

    source = from_settings(settings, store)
    report = build_from(
        source, ReportSpec(models=("last_touch", "last_click"), primary="last_touch")
    )
    funnel = {
        (r["model"], r["dimension"], r["key"]): r for r in report.tables["funnel"].to_pylist()
    }
    lt = lambda dim, key: funnel[("last_touch", dim, key)]  # noqa: E731
    # clicks: alice's first tap on note 1 and bob's on note 2; the repeat and the bot don't count
    assert lt("note", n1)["clicks"] == 1 and lt("note", n2)["clicks"] == 1
    assert lt("note", n1)["reads"] == 1 and lt("note", n1)["impressions"] == 1
    assert lt("note", NOTE_1)["reads"] == 1  # a string note id kept as it came
    # purchases: p1 (once, by its click id) and p2 (carol, through the clean room) on note 1
    assert lt("note", n1)["purchases"] == pytest.approx(2.0)
    assert lt("note", n1)["gmv"] == pytest.approx(150.0)
    assert lt("note", n2)["purchases"] == pytest.approx(0.0)
    assert lt("partner", "shop")["purchases"] == pytest.approx(2.0)
    # last click credits only what a counted click led to: p1
    assert funnel[("last_click", "note", n1)]["purchases"] == pytest.approx(1.0)
    inputs = report.meta["inputs"]
    assert inputs["identity"] == "clean room" and inputs["matches"]["shop"]["matched_people"] == 2
    assert inputs["purchases"] == 4  # p1 and p1-again are one order
    assert inputs["purchases_unmatched"] == 2  # dave (unknown) and eve (a bot's click)
    assert report.meta["scores"] == [] and report.meta["world"] is None
    # the order sent again is a flagged window of the shop's backhaul: every figure it touches
    # says so, the others do not
    kinds = {f["kind"] for f in inputs["backhaul_flags"]}
    assert "orders_again" in kinds
    assert "orders_again" in (lt("note", n1)["backhaul_flags"] or "")
    assert lt("note", n2)["backhaul_flags"] is None

    # an operator holds the shop: its figures are withheld, with the reason, until released
    r = client.post(
        f"/partners/{shop['id']}/hold", json={"reason": "backhaul missing since Monday"},
        headers=auth(key),
    )  # fmt: skip
    assert r.status_code in (200, 201), r.text
    one = ReportSpec(models=("last_touch",), primary="last_touch")
    held = build_from(from_settings(settings, store), one)
    rows = {(r["dimension"], r["key"]): r for r in held.tables["funnel"].to_pylist()}
    assert rows[("note", n1)]["purchases"] == 0 and rows[("partner", "shop")]["purchases"] == 0
    assert rows[("partner", "shop")]["clicks"] == 2  # taps are the community's own data
    assert held.meta["inputs"]["withheld"] == {"shop": "backhaul missing since Monday"}

"""A deployment with the community's own shop and a buyer (买手), built through the API as a user
would: the buyer mounts the own shop's item on its own note, three people tap it through the real
redirect, the own shop's orders come back through intake and are sealed into the lake. Shared by
the commission statement's API, CLI and browser tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from seedtrail.core import principals
from seedtrail.core.settings import Settings
from seedtrail.intake.importer import import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.intake.sealer import seal
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


def auth(key: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept-Language": lang}


def _post(client: TestClient, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=auth(key))
    assert r.status_code in (200, 201), r.text
    out: dict[str, Any] = r.json()
    return out


def _shop(client: TestClient, op: str) -> dict[str, Any]:
    shop = {"slug": "ownshop", "name": "社区自营", "kind": "own_shop",
            "allowed_hosts": ["shop.community.example"],
            "web_url_template": "https://shop.community.example/item/{item_id}"}  # fmt: skip
    sampled = client.post("/partners", json={**shop, "declared_sample_rate": 0.5},
                          headers=auth(op))  # fmt: skip
    assert sampled.status_code == 422 and "every order" in sampled.text
    return _post(client, op, "/partners", shop)


def _orders(data: Path, tapped: dict[str, str], at: datetime) -> Path:
    """The own shop's orders: alice's (sent twice), bob's (then refunded), carol's past the click
    window, and one of someone who never tapped the buyer's link."""

    def ev(eid: str, kind: str, when: datetime, value: float, order: str, click: str) -> str:
        return json.dumps({"event_id": eid, "kind": kind, "ts": when.isoformat(),
                           "value": value, "currency": "CNY", "order_id": order,
                           "click_id": click, "item_id": "os-1", "sample_rate": 1.0})  # fmt: skip

    lines = [
        ev("e1", "purchase", at + timedelta(hours=1), 200.0, "o1", tapped["alice"]),
        ev("e1b", "purchase", at + timedelta(hours=2), 200.0, "o1", tapped["alice"]),
        ev("e2", "purchase", at + timedelta(hours=3), 100.0, "o2", tapped["bob"]),
        ev("e3", "refund", at + timedelta(days=3), -100.0, "o2", tapped["bob"]),
        ev("e4", "purchase", at + timedelta(days=20), 500.0, "o4", tapped["carol"]),
        ev("e5", "purchase", at + timedelta(hours=4), 80.0, "o5", "not-a-buyer-tap"),
    ]
    path = data / "ownshop.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def build(store: Store, client: TestClient, settings: Settings) -> dict[str, Any]:
    """The world; returns the keys (operator ``op``, buyer ``own``, ``brand``) and ids."""
    with store.transaction() as conn:
        _, op = principals.create(conn, name="ops", role="operator")
    brand = _post(client, op, "/accounts",
                  {"handle": "florasis", "display_name": "花西子", "kind": "brand"})  # fmt: skip
    buyer = _post(client, op, "/accounts", {"handle": "buyer-lin", "display_name": "买手小林",
                                             "kind": "buyer", "commission_rate": 0.1})  # fmt: skip
    r = client.post("/accounts", json={"handle": "x", "display_name": "x", "kind": "creator",
                                       "commission_rate": 0.1}, headers=auth(op))  # fmt: skip
    assert r.status_code == 422 and "only a buyer" in r.text
    shop = _shop(client, op)
    offer = _post(client, op, "/offers", {"partner_id": shop["id"], "owner_id": brand["id"],
                                          "item_id": "os-1", "title": "散粉", "price": "100.00",
                                          "category": "beauty"})  # fmt: skip
    _post(client, op, "/rules", {"name": "beauty open", "effect": "open", "category": "beauty"})
    with store.transaction() as conn:
        _, own = principals.create(conn, name="b", role="creator", account_id=buyer["id"])
        _, brand_key = principals.create(conn, name="f", role="brand", account_id=brand["id"])
    note = _post(client, own, "/notes", {"author_id": buyer["id"], "title": "好物分享",
                                         "category": "beauty"})  # fmt: skip
    mount = _post(client, own, "/mounts", {"placement": "note_card", "offer_id": offer["id"],
                                           "note_id": note["id"]})  # fmt: skip
    for viewer in ("alice-0001", "bob-00001", "carol-001"):
        r = client.get(f"/r/{mount['code']}", follow_redirects=False,
                       headers={"user-agent": PHONE_UA, "x-seedtrail-viewer": viewer})  # fmt: skip
        assert r.status_code == 302, r.text
    with store.read() as conn:
        logged = conn.execute(select(clicks.c.viewer_key, clicks.c.click_id)).all()
    tapped = {viewer.split("-")[0]: click for viewer, click in logged}
    at = datetime.now(UTC)
    report = import_file(Inbox(store.engine), _orders(settings.data_dir, tapped, at), "back",
                         "ownshop", declared_rate=1.0)  # fmt: skip
    assert report.stored == 6, report.errors
    seal(store, Lake(settings.effective_lake_url), settings.data_dir / "locks")
    return {"op": op, "own": own, "brand": brand_key, "buyer": buyer["id"], "at": at,
            "brand_id": brand["id"]}  # fmt: skip

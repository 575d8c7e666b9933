"""The platform's own shop (``own_shop``) and buyers (买手): a buyer mounts the own shop's item on
its own note through the policy, people tap it through the real redirect, the shop's orders come
back through intake and the lake, and the buyer's commission statement counts each order the
buyer's taps brought once (re-sent orders once, other people's orders and orders past the click
window not at all), refunds in the period they arrived, and commission due = net GMV × rate. Only
an operator and the buyer read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
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


def _auth(key: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept-Language": lang}


def _post(client: TestClient, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=_auth(key))
    assert r.status_code in (200, 201), r.text
    out: dict[str, Any] = r.json()
    return out


def _shop(client: TestClient, op: str) -> dict[str, Any]:
    shop = {"slug": "ownshop", "name": "社区自营", "kind": "own_shop",
            "allowed_hosts": ["shop.community.example"],
            "web_url_template": "https://shop.community.example/item/{item_id}"}  # fmt: skip
    sampled = client.post("/partners", json={**shop, "declared_sample_rate": 0.5},
                          headers=_auth(op))  # fmt: skip
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


@pytest.fixture
def world(store: Store, client: TestClient, settings: Settings) -> dict[str, Any]:
    with store.transaction() as conn:
        _, op = principals.create(conn, name="ops", role="operator")
    brand = _post(client, op, "/accounts",
                  {"handle": "florasis", "display_name": "花西子", "kind": "brand"})  # fmt: skip
    buyer = _post(client, op, "/accounts", {"handle": "buyer-lin", "display_name": "买手小林",
                                             "kind": "buyer", "commission_rate": 0.1})  # fmt: skip
    r = client.post("/accounts", json={"handle": "x", "display_name": "x", "kind": "creator",
                                       "commission_rate": 0.1}, headers=_auth(op))  # fmt: skip
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


def test_the_statement_counts_the_buyers_orders_once_and_its_refunds(
    client: TestClient, world: dict[str, Any]
) -> None:
    at: datetime = world["at"]
    period = {"since": (at - timedelta(days=1)).date().isoformat(),
              "until": (at + timedelta(days=30)).date().isoformat()}  # fmt: skip
    r = client.get(f"/buyers/{world['buyer']}/commission", params=period,
                   headers=_auth(world["own"]))  # fmt: skip
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["commission_rate"] == 0.1 and got["counted_clicks"] == 3
    [row] = got["partners"]
    assert row["partner"] == "ownshop" and row["sample_rate"] == 1.0
    total = got["total"]
    assert (total["orders"], total["gmv"], total["refunds"], total["refunded"]) == (2, 300, 1, 100)
    assert total["net_gmv"] == 200 and total["commission_due"] == 20
    # a period that ends before the refund arrived: both orders, no refund yet
    early = {**period, "until": (at + timedelta(days=1)).date().isoformat()}
    total = client.get(f"/buyers/{world['buyer']}/commission", params=early,
                       headers=_auth(world["op"])).json()["total"]  # fmt: skip
    assert (total["orders"], total["refunds"], total["commission_due"]) == (2, 0, 30)


def test_only_the_buyer_and_operators_read_it(client: TestClient, world: dict[str, Any]) -> None:
    params = {"since": "2020-01-01", "until": "2030-01-01"}
    path = f"/buyers/{world['buyer']}/commission"
    assert client.get(path, params=params, headers=_auth(world["brand"])).status_code == 403
    r = client.get(f"/buyers/{world['brand_id']}/commission", params=params,
                   headers=_auth(world["op"]))  # fmt: skip
    assert r.status_code == 422 and "not a buyer" in r.text
    zh = client.get(f"/buyers/{world['brand_id']}/commission", params=params,
                    headers=_auth(world["op"], "zh-CN"))  # fmt: skip
    assert "不是买手" in zh.text
    bad = {"since": "2030-01-01", "until": "2020-01-01"}
    assert client.get(path, params=bad, headers=_auth(world["op"])).status_code == 422
    assert client.get(path, params={"since": "x"}, headers=_auth(world["op"])).status_code == 422
    missing = client.get("/buyers/99999/commission", params=params, headers=_auth(world["op"]))
    assert missing.status_code == 404


def _cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    from seedtrail.cli.main import main

    try:
        main(["--data-dir", str(data), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_prints_the_same_statement_in_both_languages(
    client: TestClient, world: dict[str, Any], settings: Settings, store: Store,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the CLI opens the data directory's own SQLite store")
    period = ["--since", "2020-01-01", "--until", "2030-01-01"]
    api = client.get(f"/buyers/{world['buyer']}/commission",
                     params={"since": "2020-01-01", "until": "2030-01-01"},
                     headers=_auth(world["op"])).json()  # fmt: skip
    data = settings.data_dir
    code, out, _ = _cli(capsys, data, "buyers", "statement", str(world["buyer"]), *period, "--json")
    assert code == 0 and json.loads(out) == api
    monkeypatch.setenv("COLUMNS", "200")  # one line per row: no wrapped headings
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, out, _ = _cli(capsys, data, "buyers", "statement", str(world["buyer"]), *period)
    assert code == 0 and "应付佣金" in out and "合计" in out and "20.00" in out
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    code, out, _ = _cli(capsys, data, "buyers", "statement", str(world["buyer"]), *period)
    assert code == 0 and "Commission due" in out and "Total" in out
    code, _, err = _cli(capsys, data, "buyers", "statement", str(world["brand_id"]), *period)
    assert code != 0 and "not a buyer" in err and "Traceback" not in err
    code, _, err = _cli(capsys, data, "buyers", "statement", "1", "--since", "soon",
                        "--until", "2030-01-01")  # fmt: skip
    assert code != 0 and "not a date" in err

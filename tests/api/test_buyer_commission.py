"""The platform's own shop (``own_shop``) and buyers (买手): a buyer mounts the own shop's item on
its own note through the policy, people tap it through the real redirect, the shop's orders come
back through intake and the lake, and the buyer's commission statement counts each order the
buyer's taps brought once (re-sent orders once, other people's orders and orders past the click
window not at all), refunds in the period they arrived, and commission due = net GMV × rate. Only
an operator and the buyer read it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

import buyerworld
from buyerworld import auth as _auth
from clirun import run_cli
from seedtrail.cli import context
from seedtrail.core.settings import Settings
from seedtrail.store.store import Store


@pytest.fixture
def world(store: Store, client: TestClient, settings: Settings) -> dict[str, Any]:
    return buyerworld.build(store, client, settings)


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


def test_a_period_up_to_the_last_calendar_day_names_the_day_it_may_end_on(
    client: TestClient, world: dict[str, Any]
) -> None:
    """``until=9999-12-31`` overflowed the day after it: a 422 about numbers up to 2147483647."""
    path = f"/buyers/{world['buyer']}/commission"
    for lang, says in (
        ("en", "end on 9999-12-30 at the latest"),
        ("zh-CN", "最晚只能结束于 9999-12-30"),
    ):
        params = {"since": "2025-01-01", "until": "9999-12-31"}
        r = client.get(path, params=params, headers=_auth(world["op"], lang))
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert says in r.json()["detail"] and "9999-12-31" in r.json()["detail"], r.text
    last = {"since": "0001-01-01", "until": "9999-12-30"}
    r = client.get(path, params=last, headers=_auth(world["op"]))
    assert r.status_code == 200, r.text
    assert r.json()["total"]["orders"] == 2


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
    data, buyer = settings.data_dir, str(world["buyer"])
    code, out, _ = run_cli(capsys, data, "buyers", "statement", buyer, *period, "--json")
    assert code == 0 and json.loads(out) == api
    # one line per row, no wrapped headings: the width set on the console itself (COLUMNS only
    # counts if it was set when the CLI was first imported in this process)
    monkeypatch.setattr(context.console, "_width", 200)  # (the property setter has no undo)
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, out, _ = run_cli(capsys, data, "buyers", "statement", str(world["buyer"]), *period)
    assert code == 0 and "应付佣金" in out and "合计" in out and "20.00" in out
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    code, out, _ = run_cli(capsys, data, "buyers", "statement", str(world["buyer"]), *period)
    assert code == 0 and "Commission due" in out and "Total" in out
    code, _, err = run_cli(capsys, data, "buyers", "statement", str(world["brand_id"]), *period)
    assert code != 0 and "not a buyer" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, data, "buyers", "statement", "1", "--since", "soon",
                        "--until", "2030-01-01")  # fmt: skip
    assert code != 0 and "not a date" in err

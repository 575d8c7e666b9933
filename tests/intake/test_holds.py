"""Holding a partner's figures: API (every role), CLI, audit, and ``seedtrail health --json``."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from tests.factories import make

from seedtrail.community import accounts
from seedtrail.core import principals
from seedtrail.intake import holds
from seedtrail.store import audit

World = Any  # the `world` fixture (tests/intake/conftest.py)


def key(world: World, role: str, **kw: Any) -> dict[str, str]:
    if role in ("brand", "creator"):
        kind = "brand" if role == "brand" else "creator"
        kw["account_id"] = make(world.store, accounts.RESOURCE, handle=f"{role}-a",
                                display_name=role, kind=kind)["id"]  # fmt: skip
    with world.store.transaction() as conn:
        _, k = principals.create(conn, name=f"{role}-x", role=role, **kw)
    return {"authorization": f"Bearer {k}"}


def test_hold_and_release_through_the_api(world: World, client: TestClient) -> None:
    ops = {"authorization": f"Bearer {world.operator_key}"}
    url = f"/partners/{world.partner_id}"
    r = client.post(f"{url}/hold", json={"reason": "backhaul missing since 02:00"}, headers=ops)
    assert r.status_code == 200, r.text
    assert r.json()["in_force"] is True and r.json()["partner"] == world.slug
    again = client.post(f"{url}/hold", json={"reason": "twice"}, headers=ops)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    listed = client.get("/holds", headers=ops).json()
    assert [h["reason"] for h in listed] == ["backhaul missing since 02:00"]
    r = client.post(f"{url}/release", json={"reason": "backfilled"}, headers=ops)
    assert r.status_code == 200 and r.json()["in_force"] is False
    assert client.post(f"{url}/release", json={"reason": "again"}, headers=ops).status_code == 409
    assert client.get("/holds", headers=ops).json() == []
    with world.store.read() as conn:
        got = audit.entries(conn, object_type="partner", object_id=str(world.partner_id))
    actions = [e["action"] for e in got]
    assert "partner.hold" in actions and "partner.release" in actions
    held = next(e for e in got if e["action"] == "partner.hold")
    assert held["detail"] == {"reason": "backhaul missing since 02:00"}


@pytest.mark.parametrize("role", ["brand", "creator", "moderator", "partner"])
def test_only_operators_hold(world: World, client: TestClient, role: str) -> None:
    extra = {"partner_id": world.partner_id} if role == "partner" else {}
    headers = key(world, role, **extra)
    r = client.post(f"/partners/{world.partner_id}/hold", json={"reason": "mine"}, headers=headers)
    assert r.status_code == 403
    with world.store.read() as conn:
        assert holds.holds_in_force(conn) == {}


def test_bad_hold_requests(world: World, client: TestClient) -> None:
    ops = {"authorization": f"Bearer {world.operator_key}"}
    assert (
        client.post("/partners/999/hold", json={"reason": "gone"}, headers=ops).status_code == 404
    )
    short = client.post(f"/partners/{world.partner_id}/hold", json={"reason": "x"}, headers=ops)
    assert short.status_code == 422
    huge = client.post(
        f"/partners/{world.partner_id}/hold", json={"reason": "x" * 10_000}, headers=ops
    )
    assert huge.status_code == 422
    assert (
        client.post(f"/partners/{world.partner_id}/hold", json={"reason": "ok!"}).status_code == 401
    )


def test_hold_release_and_json_from_the_cli(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = world.cli(capsys, "health", "hold", world.slug, "--reason", "data missing")
    assert code == 0 and "held" in out
    code, out, _ = world.cli(capsys, "health", "--json")
    assert code == 0
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert [(f["partner"], f["kind"]) for f in lines] == [(world.slug, "held")]
    assert set(lines[0]) == {"partner", "kind", "start", "end", "evidence"}
    assert lines[0]["evidence"]["reason"] == "data missing"
    code, out, _ = world.cli(capsys, "health", world.slug)
    assert code == 0 and "held by" in out and "data missing" in out
    code, _, err = world.cli(capsys, "health", "hold", world.slug, "--reason", "again")
    assert code != 0 and "already held" in err
    code, out, _ = world.cli(capsys, "health", "release", world.slug, "--reason", "backfilled")
    assert code == 0 and "released" in out
    code, out, _ = world.cli(capsys, "health", "--json")
    assert code == 0 and out.strip() == ""

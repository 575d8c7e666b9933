from __future__ import annotations

import re
import time
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from seedtrail.intake.signature import HEADER, sign
from seedtrail.store.schema import inbox, intake_counts

World = Any  # the `world` fixture (tests/intake/conftest.py)


def back(i: int, **kw: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "event_id": f"e{i}",
        "kind": "store_visit",
        "ts": "2026-11-20T08:00:00+00:00",
        "click_id": f"c{i}",
        "sample_rate": 0.5,
    }
    ev.update(kw)
    return ev


def post(
    client: TestClient,
    world: World,
    events: Any,
    *,
    secret: bytes | None = None,
    t: int | None = None,
    body: bytes | None = None,
    signed_body: bytes | None = None,
) -> Any:
    raw = body if body is not None else orjson.dumps({"events": events})
    sig = sign(secret or world.secrets[0], signed_body or raw, t or int(time.time()))
    return client.post(
        f"/partners/{world.slug}/events",
        content=raw,
        headers={HEADER: sig, "content-type": "application/json"},
    )


def stored(world: World) -> int:
    with world.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)).scalar_one())


def test_good_signature_stores_batch(client: TestClient, world: World) -> None:
    r = post(client, world, [back(i) for i in range(3)])
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 3, "stored": 3, "duplicates": 0, "rejected": []}
    assert stored(world) == 3


def test_partner_by_numeric_id(client: TestClient, world: World) -> None:
    raw = orjson.dumps([back(1)])
    r = client.post(
        f"/partners/{world.partner_id}/events",
        content=raw,
        headers={HEADER: sign(world.secrets[0], raw, int(time.time()))},
    )
    assert r.status_code == 200, r.text
    with world.store.read() as conn:
        payload = orjson.loads(conn.execute(select(inbox.c.payload)).scalar_one())
    assert payload["partner"] == world.slug
    assert payload["declared_sample_rate"] == 0.5  # the partner's, recorded with the event


def test_forged_tampered_stale_wrong_secret_are_401_and_store_nothing(
    client: TestClient, world: World
) -> None:
    events = [back(1)]
    raw = orjson.dumps({"events": events})
    tampered = raw.replace(b"e1", b"e9")
    cases = {
        "forged": post(client, world, events, secret=b"whsec_forged"),
        "tampered": post(client, world, events, body=tampered, signed_body=raw),
        "stale": post(client, world, events, t=int(time.time()) - 301),
        "future": post(client, world, events, t=int(time.time()) + 301),
    }
    r = client.post(f"/partners/{world.slug}/events", content=raw)
    cases["unsigned"] = r
    r = client.post(f"/partners/{world.slug}/events", content=raw, headers={HEADER: "t=1,v1="})
    cases["garbled"] = r
    cases["unknown partner"] = client.post(
        "/partners/nope/events", content=raw, headers={HEADER: sign(b"x", raw, int(time.time()))}
    )
    for name, resp in cases.items():
        assert resp.status_code == 401, (name, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
        assert world.secrets[0].decode() not in resp.text
    assert stored(world) == 0


def test_rotated_secret(client: TestClient, world: World) -> None:
    old, older = world.secrets
    assert post(client, world, [back(1)], secret=older).status_code == 200
    new = world.rotate()  # now active: new, old; `older` is revoked
    assert post(client, world, [back(2)], secret=new).status_code == 200
    assert post(client, world, [back(3)], secret=old).status_code == 200
    assert post(client, world, [back(4)], secret=older).status_code == 401
    assert stored(world) == 3


def test_retries_are_acknowledged_and_stored_once(client: TestClient, world: World) -> None:
    batch = [back(i) for i in range(10)]
    first = post(client, world, batch).json()
    assert first["stored"] == 10
    for _ in range(3):
        again = post(client, world, batch).json()
        assert again == {"accepted": 10, "stored": 0, "duplicates": 10, "rejected": []}
    overlap = post(client, world, [back(i) for i in range(5, 15)]).json()
    assert (overlap["stored"], overlap["duplicates"]) == (5, 5)
    assert stored(world) == 15
    with world.store.read() as conn:
        got = conn.execute(
            select(func.sum(intake_counts.c.received), func.sum(intake_counts.c.duplicates))
        ).one()
    assert tuple(got) == (50, 35)


def test_partial_batch_stores_good_and_names_bad(client: TestClient, world: World) -> None:
    events = [
        back(0),
        back(1, kind="purchase", value=-3, order_id="o1"),
        back(2, ts="2026-11-20T08:00:00"),  # naive time
        back(3, click_id=None),
        "not an object",
        back(5, partner="other-shop"),
        back(6, kind="purchase", value=99.5, order_id="o6", item_id="商品-1"),
    ]
    r = post(client, world, events)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["stored"]) == (2, 2)
    bad = {x["index"]: x for x in body["rejected"]}
    assert sorted(bad) == [1, 2, 3, 4, 5]
    assert bad[2]["errors"][0]["loc"] == ["ts"]
    assert bad[5]["errors"][0]["loc"] == ["partner"]
    assert bad[1]["event_id"] == "e1"
    assert stored(world) == 2


def test_all_bad_is_422_with_each_record(client: TestClient, world: World) -> None:
    r = post(client, world, [{"event_id": "x"}, back(1, sample_rate=2)])
    assert r.status_code == 422
    locs = [e["loc"] for e in r.json()["errors"]]
    assert ["events", 1, "sample_rate"] in locs
    assert any(loc[:2] == ["events", 0] for loc in locs)
    assert stored(world) == 0


def test_malformed_json_is_400(client: TestClient, world: World) -> None:
    assert post(client, world, None, body=b"{nope").status_code == 400
    assert post(client, world, None, body=b'{"events": 3}').status_code == 422


def test_size_limits(client: TestClient, world: World) -> None:
    too_many = [back(i) for i in range(world.settings.intake_max_events + 1)]
    assert post(client, world, too_many).status_code == 413
    big = b'{"events": [' + b" " * world.settings.intake_max_bytes + b"]}"
    assert post(client, world, None, body=big).status_code == 413
    assert stored(world) == 0


def test_community_events_need_operator_and_dedup(client: TestClient, world: World) -> None:
    ev = {
        "event_id": "f1",
        "user_key": "u1",
        "note_id": 7,
        "kind": "read",
        "ts": 1_790_000_000,
        "dwell_ms": 5300,
    }
    assert client.post("/community/events", json=[ev]).status_code == 401
    auth = {"authorization": f"Bearer {world.operator_key}"}
    r = client.post("/community/events", json={"events": [ev, ev]}, headers=auth)
    assert r.json()["stored"] == 1 and r.json()["duplicates"] == 1
    r = client.post("/community/events", json=[dict(ev, kind="click")], headers=auth)
    assert r.status_code == 422
    assert "redirect" in r.text  # clicks come from seedtrail's own click log, never posted
    # a brand card seen in search results has no note; any other event needs one
    seen = {"event_id": "s1", "user_key": "u1", "kind": "search_view", "ts": 1_790_000_000}
    r = client.post(
        "/community/events", json=[dict(seen, placement="search_card"), seen], headers=auth
    )
    assert r.json()["stored"] == 1, r.text
    (bad,) = r.json()["rejected"]
    assert bad["index"] == 1 and "note_id" in str(bad["errors"])
    no_note = {k: v for k, v in ev.items() if k != "note_id"}
    r = client.post("/community/events", json=[dict(no_note, event_id="f2")], headers=auth)
    assert r.status_code == 422 and "search_view" in r.text


def test_health_endpoint_is_for_operators_and_the_partner(client: TestClient, world: World) -> None:
    path = f"/partners/{world.slug}/health?hours=3"
    assert client.get(path).status_code == 401
    r = client.get(path, headers={"authorization": f"Bearer {world.operator_key}"})
    assert r.status_code == 200, r.text
    body = r.json()
    # nothing sent, nothing back: nothing to judge (this read "ok")
    assert body["status"] == "no_data" and len(body["hours"]) == 3
    assert body["declared_sample_rate"] == 0.5


def test_odd_signature_timestamps_and_partner_segments_are_401(
    client: TestClient, world: World
) -> None:
    raw = orjson.dumps([back(1)])
    now = int(time.time())
    mac = sign(world.secrets[0], raw, now).split(",")[1]
    for value in (
        f"t=²{now},{mac}".encode("latin-1"),
        f"t={now}¹,{mac}".encode("latin-1"),
        f"t={'9' * 400},{mac}".encode(),
        f"t=-{now},{mac}".encode(),
    ):
        r = client.post(f"/partners/{world.slug}/events", content=raw, headers={HEADER: value})
        assert r.status_code == 401, (value, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    for segment in ("%C2%B2", "%EF%BC%91", "9" * 30):
        r = client.post(
            f"/partners/{segment}/events", content=raw, headers={HEADER: f"t={now},{mac}"}
        )
        assert r.status_code == 401, (segment, r.text)
        r = client.get(f"/partners/{segment}/health", headers={"x-api-key": world.operator_key})
        assert r.status_code in (401, 404), (segment, r.text)
    assert stored(world) == 0


def test_docs_and_openapi_agree_on_an_unknown_partner(client: TestClient) -> None:
    from pathlib import Path

    responses = client.get("/openapi.json").json()["paths"]["/partners/{partner}/events"]["post"][
        "responses"
    ]
    assert "404" not in responses
    assert "unknown partner" in responses["401"]["description"]
    docs = (Path(__file__).parents[2] / "docs" / "intake.md").read_text()
    assert re.search(r"Unknown partner[^*]*\*\*401\*\*", docs)


def _standard(world: World, raw: bytes, msg_id: str, *, secret: bytes | None = None) -> Any:
    from datetime import UTC, datetime

    from standardwebhooks import Webhook

    now = datetime.now(UTC)
    sig = Webhook((secret or world.secrets[0]).decode()).sign(msg_id, now, raw)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sig,
        "content-type": "application/json",
    }


def test_standard_webhooks_v1_signed_by_the_library(client: TestClient, world: World) -> None:
    raw = orjson.dumps([back(1), back(2)])
    headers = _standard(world, raw, "msg_2kG8")
    r = client.post(f"/partners/{world.slug}/events", content=raw, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2
    again = client.post(f"/partners/{world.slug}/events", content=raw, headers=headers)
    assert again.status_code == 200 and again.json()["stored"] == 0  # a retry stores nothing
    assert again.json()["duplicates"] == 2
    # rotation: several signatures, one under the older secret, one garbage
    raw3 = orjson.dumps([back(3)])
    old = _standard(world, raw3, "msg_3", secret=world.secrets[1])
    old["webhook-signature"] = "v1,AAAA " + old["webhook-signature"] + " v2,zzz"
    r = client.post(f"/partners/{world.slug}/events", content=raw3, headers=old)
    assert r.status_code == 200 and r.json()["stored"] == 1
    forged = _standard(world, raw3, "msg_4", secret=b"whsec_" + b"QUJD" * 8)
    tampered = {**_standard(world, raw3, "msg_5"), "webhook-id": "msg_6"}
    stale = {**_standard(world, raw3, "msg_7"), "webhook-timestamp": str(int(time.time()) - 400)}
    for headers in (forged, tampered, stale, {**forged, "webhook-id": ""}):
        r = client.post(f"/partners/{world.slug}/events", content=raw3, headers=headers)
        assert r.status_code == 401, (headers, r.text)
    assert stored(world) == 3


def test_standard_webhooks_v1a_ed25519(client: TestClient, world: World) -> None:
    import base64

    from nacl.signing import SigningKey

    key = SigningKey.generate()
    public = "whpk_" + base64.b64encode(bytes(key.verify_key)).decode()
    op = {"x-api-key": world.operator_key}
    r = client.post(
        f"/partners/{world.partner_id}/public-keys", json={"public_key": public}, headers=op
    )
    assert r.status_code == 201, r.text
    kinds = [
        k["kind"] for k in client.get(f"/partners/{world.partner_id}/secrets", headers=op).json()
    ]
    assert kinds == ["ed25519_public_key", "hmac_secret"]
    raw = orjson.dumps([back(1)])
    t = str(int(time.time()))
    sig = key.sign(f"msg_a.{t}.".encode() + raw).signature
    headers = {
        "webhook-id": "msg_a",
        "webhook-timestamp": t,
        "webhook-signature": "v1a," + base64.b64encode(sig).decode(),
    }
    r = client.post(f"/partners/{world.slug}/events", content=raw, headers=headers)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    # the public key is never an HMAC key: an HMAC under it is refused, in either form
    forged = sign(public.encode(), raw, int(t))
    r = client.post(f"/partners/{world.slug}/events", content=raw, headers={HEADER: forged})
    assert r.status_code == 401
    bad = client.post(
        f"/partners/{world.partner_id}/public-keys", json={"public_key": "whpk_abc"}, headers=op
    )
    assert bad.status_code == 422


def test_a_library_retry_resigned_later_under_the_same_webhook_id_is_stored_once(
    client: TestClient, world: World
) -> None:
    """``standardwebhooks`` retries a delivery with the same id and body, signed anew at a later
    time: acknowledged, its events counted as duplicates."""
    from datetime import UTC, datetime, timedelta

    from standardwebhooks import Webhook

    raw = orjson.dumps([back(1), back(2)])
    hook = Webhook(world.secrets[0].decode())
    first = datetime.now(UTC) - timedelta(seconds=120)
    for at, stored_now in ((first, 2), (first + timedelta(seconds=90), 0)):
        headers = {
            "webhook-id": "msg_retry",
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": hook.sign("msg_retry", at, raw),
        }
        r = client.post(f"/partners/{world.slug}/events", content=raw, headers=headers)
        assert r.status_code == 200, r.text
        assert (r.json()["stored"], r.json()["duplicates"]) == (stored_now, 2 - stored_now)
    assert stored(world) == 2


def test_the_webhook_id_is_the_idempotency_key(client: TestClient, world: World) -> None:
    """A delivery sent again under the same ``webhook-id`` stores nothing, even when the shop
    rebuilt its body with new event ids; another id with the same events stores nothing new
    either (the event ids), and each shop has its own ids."""
    first = orjson.dumps([back(1), back(2)])
    r = client.post(
        f"/partners/{world.slug}/events", content=first, headers=_standard(world, first, "msg_x")
    )
    assert r.json()["stored"] == 2 and r.json()["repeated_delivery"] is False
    rebuilt = orjson.dumps([back(11), back(12)])  # the same orders under new event ids
    r = client.post(
        f"/partners/{world.slug}/events",
        content=rebuilt,
        headers=_standard(world, rebuilt, "msg_x"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["stored"], body["duplicates"], body["repeated_delivery"]) == (0, 2, True)
    r = client.post(
        f"/partners/{world.slug}/events",
        content=rebuilt,
        headers=_standard(world, rebuilt, "msg_y"),
    )
    assert r.json()["stored"] == 2 and r.json()["repeated_delivery"] is False
    plain = client.post(
        f"/partners/{world.slug}/events",
        content=first,
        headers={HEADER: sign(world.secrets[0], first, int(time.time()))},
    )
    assert "repeated_delivery" not in plain.json() and plain.json()["duplicates"] == 2
    assert stored(world) == 4


def _ed25519(client: TestClient, world: World) -> Any:
    import base64

    from nacl.signing import SigningKey

    key = SigningKey.generate()
    public = "whpk_" + base64.b64encode(bytes(key.verify_key)).decode()
    r = client.post(
        f"/partners/{world.partner_id}/public-keys",
        json={"public_key": public},
        headers={"x-api-key": world.operator_key},
    )
    assert r.status_code == 201, r.text
    return key


def _v1a(key: Any, msg_id: str, raw: bytes) -> dict[str, str]:
    import base64

    t = str(int(time.time()))
    sig = key.sign(f"{msg_id}.{t}.".encode() + raw).signature
    return {"webhook-id": msg_id, "webhook-timestamp": t, "webhook-signature": "v1a," + (
        base64.b64encode(sig).decode()
    )}  # fmt: skip


def test_v1a_keys_rotate_two_active_and_several_signatures(
    client: TestClient, world: World
) -> None:
    """Two Ed25519 keys active at once: either signs; a header may carry several signatures
    (v1 and v1a, garbage among them); a third key retires the oldest, whose signatures are
    then refused at once."""
    old, new = _ed25519(client, world), _ed25519(client, world)
    url = f"/partners/{world.slug}/events"
    for n, key in enumerate((old, new)):
        raw = orjson.dumps([back(10 + n)])
        r = client.post(url, content=raw, headers=_v1a(key, f"msg_k{n}", raw))
        assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    raw = orjson.dumps([back(20)])
    both = _v1a(old, "msg_both", raw)
    fresh = _v1a(new, "msg_both", raw)["webhook-signature"]
    both["webhook-signature"] = f"v1a,AAAA v1,{fresh[4:]} {both['webhook-signature']} {fresh}"
    r = client.post(url, content=raw, headers=both)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    _ed25519(client, world)  # a third key: the oldest (old) is revoked
    raw = orjson.dumps([back(30)])
    assert client.post(url, content=raw, headers=_v1a(old, "msg_old", raw)).status_code == 401
    assert client.post(url, content=raw, headers=_v1a(new, "msg_new", raw)).status_code == 200
    assert stored(world) == 4

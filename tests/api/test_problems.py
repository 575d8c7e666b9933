"""Every API error has one shape: RFC 9457 problem details. This locks it in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import World, auth, build_world
from seedtrail.store.store import Store

KEYS = {"type", "title", "status", "detail", "instance"}


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def assert_problem(r: object, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) >= KEYS
    assert body["type"] == f"https://seedtrail.dev/problems/{code}"
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    return body  # type: ignore[no-any-return]


def test_error_shapes(client: TestClient, world: World) -> None:
    op = auth(world.keys["operator"])
    assert_problem(client.get("/accounts"), 401, "unauthorized")
    assert_problem(client.get("/accounts", headers=auth("st_wrong")), 401, "unauthorized")
    partner = {"slug": "p2", "name": "p", "kind": "web_shop", "allowed_hosts": ["a.example.com"]}
    assert_problem(
        client.post("/partners", json=partner, headers=auth(world.keys["brand"])), 403, "forbidden"
    )
    assert_problem(client.get("/notes/9999", headers=op), 404, "not-found")
    assert_problem(client.get("/no/such/path"), 404, "not-found")
    assert_problem(client.delete("/accounts", headers=op), 405, "method-not-allowed")
    body = assert_problem(
        client.post("/accounts", json={"handle": "x", "kind": "alien"}, headers=op),
        422,
        "invalid-input",
    )
    locs = [e["loc"] for e in body["errors"]]  # type: ignore[attr-defined]
    assert ["body", "kind"] in locs and ["body", "display_name"] in locs
    assert "kind" in str(body["detail"])
    dup = {"handle": "brand", "display_name": "x", "kind": "brand"}
    assert_problem(client.post("/accounts", json=dup, headers=op), 409, "conflict")
    body = assert_problem(
        client.post(
            "/mounts",
            json={
                "placement": "note_card",
                "offer_id": world.ids["offer"],
                "note_id": world.ids["other_note"],
            },
            headers=op,
        ),
        403,
        "policy-denied",
    )
    assert body["decision"]["allowed"] is False  # type: ignore[index]
    bad_url = {
        "partner_id": world.ids["webshop"],
        "owner_id": world.ids["brand"],
        "url": "https://evil.com/x",
        "title": "t",
        "price": "1",
        "category": "skincare",
    }
    body = assert_problem(
        client.post("/offers", json=bad_url, headers=op), 422, "unsafe-destination"
    )
    assert "evil.com" in str(body["detail"])


def test_openapi_is_served(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "seedtrail"
    assert {"/mounts", "/partners/{ident}/kill-switch", "/policy/evaluate", "/audit"} <= set(
        doc["paths"]
    )


def test_denied_mount_decision_is_in_the_audit_log(client: TestClient, world: World) -> None:
    op = auth(world.keys["operator"])
    r = client.post(
        "/mounts",
        json={
            "placement": "note_card",
            "offer_id": world.ids["offer"],
            "note_id": world.ids["other_note"],
        },
        headers=op,
    )
    assert r.status_code == 403
    entry = client.get("/audit?action=mount.decision", headers=op).json()[0]
    assert entry["detail"]["decision"]["allowed"] is False
    assert entry["detail"]["request"]["note_id"] == world.ids["other_note"]


def test_openapi_documents_the_signed_postback(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/partners/{partner}/events"]["post"]
    assert {p["name"] for p in post["parameters"]} == {
        "partner",
        "Seedtrail-Signature",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
    shapes = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    item = shapes[1]["items"]
    assert {"event_id", "ts", "kind", "sample_rate"} <= set(item["required"])
    assert "401" in post["responses"]


BIG = 10**20  # beyond 64 bits


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/notes/{BIG}"),
        ("GET", f"/notes/-{BIG}"),
        ("GET", f"/notes?offset={10**23}"),
        ("GET", f"/notes?author_id={BIG}"),
        ("GET", f"/accounts/{BIG}"),
        ("PATCH", f"/accounts/{BIG}"),
        ("GET", f"/mounts?offset={BIG}"),
        ("GET", f"/audit?offset={BIG}"),
        ("GET", f"/clicks?mount_id={BIG}"),
        ("GET", f"/clicks?offset={BIG}"),
        ("POST", f"/mounts/{BIG}/status"),
        ("POST", f"/partners/{BIG}/kill-switch"),
        ("GET", f"/partners/{BIG}/secrets"),
        ("GET", f"/campaigns/{BIG}/spend"),
        ("GET", f"/attribution/notes/{BIG}"),
        ("GET", f"/attribution/notes?ids={BIG}"),
        ("GET", f"/cases/{BIG}"),
        ("DELETE", f"/keys/{BIG}"),
    ],
)
def test_ids_beyond_64_bits_are_4xx_problems(
    client: TestClient, world: World, method: str, path: str
) -> None:
    body = {"status": "active", "links_enabled": True, "reason": "test"}
    r = client.request(method, path, json=body, headers=auth(world.keys["operator"]))
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {"placement": "note_card", "offer_id": BIG, "note_id": 1},
        {"placement": "profile_card", "offer_id": 1, "account_id": -BIG},
    ],
)
def test_ids_beyond_64_bits_in_bodies_are_4xx(
    client: TestClient, world: World, body: dict[str, object]
) -> None:
    r = client.post("/policy/evaluate", json=body, headers=auth(world.keys["operator"]))
    assert r.status_code == 422, r.text


@pytest.mark.parametrize(
    "url",
    ["https://shop.example.com／x", "https://shop.example.com＃x", "https://[shop.example.com]/x"],
)
def test_odd_offer_urls_are_422(client: TestClient, world: World, url: str) -> None:
    body = {
        "partner_id": world.ids["webshop"],
        "url": url,
        "title": "t",
        "price": "1",
        "category": "skincare",
    }
    r = client.post("/offers", json=body, headers=auth(world.keys["brand"]))
    assert_problem(r, 422, "unsafe-destination")


def _all_errors(cls: type) -> list[type]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _all_errors(sub))]


def test_every_error_code_has_a_title_in_both_languages() -> None:
    from seedtrail import messages
    from seedtrail.api.problems import _HTTP_CODES
    from seedtrail.core.errors import SeedtrailError

    codes = {c.code for c in _all_errors(SeedtrailError)} | set(_HTTP_CODES.values())
    for lang in messages.LANGS:
        assert not {c for c in codes if not messages.has(lang, f"problem.{c}")}, lang
    assert {messages.translate("en", f"problem.{c.code}") for c in _all_errors(SeedtrailError)} == {
        c.title for c in _all_errors(SeedtrailError)
    }


def test_problem_documents_speak_the_readers_language_with_the_code_unchanged(
    client: TestClient, world: World, store: Store
) -> None:
    zh = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}
    brand = auth(world.keys["brand"])
    partner = {"slug": "p3", "name": "p", "kind": "web_shop", "allowed_hosts": ["a.example.com"]}
    cases = [
        (client.get("/accounts", headers=zh), 401, "unauthorized", "未登录", "缺少 API 密钥"),
        (
            client.get("/notes/9999", headers={**zh, **auth(world.keys["operator"])}),
            404,
            "not-found",
            "未找到",
            "未找到笔记 9999",
        ),
        (
            client.post("/partners", json=partner, headers={**zh, **brand}),
            403,
            "forbidden",
            "无权访问",
            "品牌角色无权创建伙伴",
        ),
        (client.get("/no/such/path", headers=zh), 404, "not-found", "未找到", "未找到"),
        (
            client.post("/notes", json={"title": 1}, headers={**zh, **brand}),
            422,
            "invalid-input",
            "输入无效",
            "请求无效：",
        ),
    ]
    for r, status, code, title, detail in cases:
        body = assert_problem(r, status, code)
        assert r.headers["content-language"] == "zh-CN"
        assert body["title"] == title and str(body["detail"]).startswith(detail), body
    en = client.get("/notes/9999", headers=auth(world.keys["operator"]))
    assert en.headers["content-language"] == "en"
    assert (en.json()["title"], en.json()["detail"]) == ("Not found", "note 9999 not found")


def test_a_policy_denial_explains_itself_in_the_readers_language(
    client: TestClient, world: World
) -> None:
    import re

    zh = {"accept-language": "zh-CN", **auth(world.keys["operator"])}
    denied = None
    for placement, extra in (("profile_card", {"account_id": world.ids["creator"]}),):
        r = client.post(
            "/mounts",
            json={"placement": placement, "offer_id": world.ids["offer"], **extra},
            headers=zh,
        )
        if r.status_code == 403:
            denied = r
    assert denied is not None
    body = assert_problem(denied, 403, "policy-denied")
    assert body["title"] == "被链接策略拒绝"
    assert str(body["detail"]).startswith("挂链：拒绝：")
    assert not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", str(body["detail"])), body["detail"]
    assert body["decision"]["summary"].startswith("denied: ")  # the stored English summary


def test_enforcement_refusals_speak_the_readers_language_with_the_code_unchanged(
    client: TestClient, world: World
) -> None:
    mod, creator = auth(world.keys["moderator"]), auth(world.keys["creator"])
    reason = {"reason": "不再需要"}
    checks = [
        ("get", "/cases/999", mod, None, 404, "not-found", "未找到案件 999", "case 999 not found"),
        ("post", "/cases/1/dismiss", creator, reason, 403, "forbidden",
         "创作者角色无权驳回案件", "a creator may not dismiss cases"),
        ("post", "/actions/77/reverse", mod, reason, 404, "not-found",
         "未找到处置 77", "action 77 not found"),
    ]  # fmt: skip
    for method, path, who, body, status, code, zh_text, en_text in checks:
        for lang, want in (("zh-CN", zh_text), ("en", en_text)):
            r = client.request(method, path, json=body, headers={"accept-language": lang, **who})
            doc = assert_problem(r, status, code)
            assert r.headers["content-language"] == lang
            assert doc["detail"] == want, doc


def test_intake_links_and_validation_errors_speak_the_readers_language(
    client: TestClient, world: World
) -> None:
    brand, op = auth(world.keys["brand"]), auth(world.keys["operator"])
    offer = {"partner_id": world.ids["webshop"], "url": "javascript:alert(1)", "title": "t",
             "price": "1", "category": "skincare"}  # fmt: skip
    checks = [
        ("post", "/offers", brand, offer, 422, "unsafe-destination",
         "商品链接使用了禁止的协议 javascript:", "offer URL uses the forbidden scheme javascript:"),
        ("post", "/community/events", brand, [], 403, "forbidden",
         "社区事件须用平台运营密钥发送", "community events are sent with an operator key"),
        ("get", "/holds", brand, None, 403, "forbidden",
         "暂停记录只对平台运营和审核员开放", "holds are for operators and moderators"),
        ("post", "/notes", op, {"title": 1}, 422, "invalid-input",
         "请求无效：body.title：应为字符串",
         "request is invalid: body.title: Input should be a valid string"),
    ]  # fmt: skip
    for method, path, who, body, status, code, zh_text, en_text in checks:
        for lang, want in (("zh-CN", zh_text), ("en", en_text)):
            r = client.request(method, path, json=body, headers={"accept-language": lang, **who})
            doc = assert_problem(r, status, code)
            assert r.headers["content-language"] == lang
            assert str(doc["detail"]).startswith(want), doc
    r = client.post("/notes", json={"title": 1}, headers={"accept-language": "zh-CN", **op})
    assert "缺少此字段" in r.json()["detail"] and "Field required" not in r.json()["detail"]


def test_a_value_past_the_stores_range_is_a_422_in_the_readers_language() -> None:
    """The catch-all for what an input bound missed (the driver's OverflowError, the database's
    DataError) answers a translated problem, not English only."""
    from fastapi import FastAPI

    from seedtrail.api import problems

    app = FastAPI()
    problems.install(app)

    @app.get("/too-big")
    def too_big() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    with TestClient(app) as local:
        en = assert_problem(
            local.get("/too-big", headers={"accept-language": "en"}), 422, "invalid-input"
        )
        zh = assert_problem(
            local.get("/too-big", headers={"accept-language": "zh-CN"}), 422, "invalid-input"
        )
    assert "out of range for the store" in str(en["detail"])
    assert "超出了存储的范围" in str(zh["detail"]) and "SQLite" not in str(zh["detail"])

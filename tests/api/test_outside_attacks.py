"""What an outsider throws at the API, generated from ``/openapi.json`` (issue 16, step 4): every
operation that takes a body gets a 10 MB body, JSON nested 100,000 deep, and its valid body with
NUL, a lone surrogate and a byte-order mark in each text; every GET gets zero, negative and
fractional paging and a 60,000-character query; every store list an unknown filter. Each answer is
below 500, and every refusal is a problem document; a body over the API's limit is a 413 whatever
the route, and the store lists' unknown filters are a 422 naming the filter (it was a 500)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from api.test_tenant_matrix import cases_of, tenant_b
from factories import auth, build_world
from seedtrail.core.catalog import CRUD
from seedtrail.links import mounts
from seedtrail.store.store import Store

TEN_MB = b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}'
DEEP = b"[" * 100_000 + b"]" * 100_000
PAGING = ("limit=0", "limit=-1", "offset=-1", "limit=1e3", "offset=1.5", "limit=%00")
LONG = "q=" + "a" * 60_000


def _texts(body: dict[str, Any], suffix: str) -> bytes:
    odd = {k: v + suffix if isinstance(v, str) else v for k, v in body.items()}
    return json.dumps(odd).encode()


def _bodies(body: Any) -> list[tuple[str, bytes]]:
    out = [("10 MB", TEN_MB), ("deep", DEEP)]
    if isinstance(body, dict):
        out += [("nul", _texts(body, "\x00x")), ("surrogate", _texts(body, "\ud800"))]
        out.append(("bom", b"\xef\xbb\xbf" + json.dumps(body).encode()))
    return out


def _check(r: Any, what: tuple[Any, ...], failures: list[Any], seen: Counter[int]) -> None:
    seen[r.status_code] += 1
    problem = r.headers.get("content-type") == "application/problem+json"
    if r.status_code >= 500 or (r.status_code >= 400 and not problem):
        failures.append((*what, r.status_code, r.text[:160]))


def test_bodies_paging_and_long_queries_never_fail_the_server(
    store: Store, client: TestClient
) -> None:
    w = tenant_b(store)
    op = {**auth(w.keys["operator"]), "content-type": "application/json"}
    failures: list[Any] = []
    seen: Counter[int] = Counter()
    not_413: list[str] = []
    for method, url, body, _ in cases_of(w, client):
        if method in ("POST", "PUT", "PATCH"):
            for name, raw in _bodies(body):
                r = client.request(method, url, content=raw, headers=op)
                _check(r, (name, method, url), failures, seen)
                if name == "10 MB" and r.status_code != 413:
                    not_413.append(f"{method} {url} {r.status_code}")
        if method == "GET":
            for query in (*PAGING, LONG):
                r = client.get(url + ("&" if "?" in url else "?") + query, headers=op)
                _check(r, (query[:12], method, url), failures, seen)
    assert not failures, failures
    assert not_413 == []  # every route with a body, under either limit (API or intake)
    assert seen[422] > 100


def test_a_body_over_the_api_limit_is_413_before_the_route_reads_it(
    client: TestClient, store: Store
) -> None:
    w = build_world(store)
    limit = client.app.api.state.settings.api_max_bytes  # type: ignore[attr-defined]
    headers = {**auth(w.keys["operator"]), "accept-language": "zh-CN"}
    big = {"display_name": "x" * limit}
    r = client.patch(f"/accounts/{w.ids['brand']}", json=big, headers=headers)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == f"请求内容超过 {limit} 字节的上限"

    def chunks() -> Any:  # no Content-Length: refused as the bytes pass the limit
        yield b'{"display_name": "'
        for _ in range(limit // 1024 + 1):
            yield b"y" * 1024
        yield b'"}'

    r = client.patch(f"/accounts/{w.ids['brand']}", content=chunks(), headers=headers)
    assert r.status_code == 413, r.text
    assert client.get(f"/accounts/{w.ids['brand']}", headers=headers).json()["display_name"] != (
        "y"
    )
    small = client.patch(
        f"/accounts/{w.ids['brand']}", json={"display_name": "ok"}, headers=headers
    )
    assert small.status_code == 200, small.text


def test_an_unknown_list_filter_is_a_422_naming_it(client: TestClient, store: Store) -> None:
    w = build_world(store)
    for res in (*CRUD, mounts.RESOURCE):
        for lang in ("en", "zh-CN"):
            headers = {**auth(w.keys["operator"]), "accept-language": lang}
            r = client.get(f"/{res.name}?key=1", headers=headers)
            assert r.status_code == 422, (res.name, lang, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert "key" in r.json()["detail"] and res.filters[0] in r.json()["detail"]


def test_nul_in_stored_text_is_a_422_on_every_backend(client: TestClient, store: Store) -> None:
    """SQLite kept it and PostgreSQL refused it: both refuse it now, naming the field."""
    w = build_world(store)
    for who, method, url, body in (
        ("operator", "PATCH", f"/accounts/{w.ids['brand']}", {"display_name": "a\x00b"}),
        ("creator", "POST", "/notes", {"title": "t\x00", "category": "food"}),
        ("creator", "PATCH", f"/notes/{w.ids['note']}", {"title": "ok", "body": "\x00"}),
    ):
        for lang, says in (("en", "NUL character"), ("zh-CN", "NUL 字符")):
            headers = {**auth(w.keys[who]), "accept-language": lang}
            r = client.request(method, url, json=body, headers=headers)
            assert r.status_code == 422, (url, r.text)
            assert says in r.json()["detail"], r.json()
            field = next(k for k, v in body.items() if "\x00" in v)
            assert ["body", field] in [e["loc"] for e in r.json()["errors"]]
    assert (
        client.get(f"/notes/{w.ids['note']}", headers=auth(w.keys["creator"])).json()["title"]
        != "ok"
    )

"""Numbers beyond 64 bits, generated from ``/openapi.json`` (issue 16: ``GET /notes/10**20`` and
``offset=10**23`` were OverflowErrors inside the database driver). Every integer of every
operation — path and query parameters, each integer field of the request body (set in an
otherwise valid body, so the number is what is judged), and the list filters the store routes
take on their columns — is sent as 2**63, -2**63-1 and 10**23, and every string path or query
parameter as a 30-digit number: each answer is a 4xx problem document, never a 5xx. An operation
or field added later is covered at once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.test_tenant_matrix import bodies, cases_of, operations, tenant_b
from factories import World, auth
from seedtrail.core.catalog import CRUD
from seedtrail.links import mounts
from seedtrail.store.store import Store

HUGE = (2**63, -(2**63) - 1, 10**23)
DIGITS = "1" + "0" * 29


def _is_int(schema: dict[str, Any]) -> bool:
    options = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(s.get("type") == "integer" for s in options)


def _body_ints(doc: dict[str, Any], op: dict[str, Any]) -> list[str]:
    """Top-level integer fields of an operation's JSON body (its ``$ref`` resolved)."""
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    props = schema.get("properties", {})
    return [name for name, prop in props.items() if _is_int(prop)]


def probes(w: World, client: TestClient) -> list[tuple[str, str, Any, str]]:
    """(method, url, body, what) for every integer and every string parameter."""
    doc = client.get("/openapi.json").json()
    known, ops = bodies(w), operations(client)
    urls = {(m, p): c[1] for (m, p, _), c in zip(ops, cases_of(w, client), strict=True)}
    out: list[tuple[str, str, Any, str]] = []
    for method, path, op in ops:
        url, body = urls[(method, path)], known.get(f"{method} {path}")
        for param in op.get("parameters", []):
            name, where, schema = param["name"], param["in"], param.get("schema", {})
            values: tuple[Any, ...] = HUGE if _is_int(schema) else (DIGITS,)
            if where not in ("path", "query") or not (_is_int(schema) or schema.get("type")):
                continue
            for v in values:
                if where == "path":
                    bad = path.replace("{" + name + "}", str(v))
                    bad = _fill(bad, url, path)
                else:
                    bad = url + ("&" if "?" in url else "?") + f"{name}={v}"
                out.append((method, bad, body, f"{method} {path} {where} {name}={v}"))
        for field in _body_ints(doc, op) if isinstance(body, dict) else []:
            for v in HUGE:
                out.append((method, url, {**body, field: v}, f"{method} {path} body {field}={v}"))
    for res in (*CRUD, mounts.RESOURCE):
        for column in res.filters:
            for v in (*HUGE, DIGITS):
                out.append(("GET", f"/{res.name}?{column}={v}", None, f"GET /{res.name} {column}"))
    return out


def _fill(bad: str, url: str, path: str) -> str:
    """``bad`` with the other path parameters filled in as in ``url`` (the valid call)."""
    if "{" not in bad:
        return bad
    got, want = url.split("?")[0].split("/"), bad.split("/")
    return "/".join(g if w.startswith("{") else w for g, w in zip(got, want, strict=True))


def test_every_integer_beyond_64_bits_is_a_4xx_problem(store: Store, client: TestClient) -> None:
    w = tenant_b(store)
    checked, failures = 0, []
    for method, url, body, what in probes(w, client):
        r = client.request(method, url, json=body, headers=auth(w.keys["operator"]))
        checked += 1
        problem = r.headers.get("content-type") == "application/problem+json"
        if r.status_code >= 500 or (r.status_code >= 400 and not problem):
            failures.append((what, r.status_code, r.text[:200]))
    assert not failures, failures
    assert checked > 300


@pytest.mark.parametrize("value", HUGE)
def test_an_integer_body_field_beyond_64_bits_is_named_in_a_422(
    client: TestClient, store: Store, value: int
) -> None:
    w = tenant_b(store)
    body = {**bodies(w)["POST /mounts"], "offer_id": value}
    r = client.post("/mounts", json=body, headers=auth(w.keys["operator"]))
    assert r.status_code == 422, r.text
    assert ["body", "offer_id"] in [e["loc"] for e in r.json()["errors"]]

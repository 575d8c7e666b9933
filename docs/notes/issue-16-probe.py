"""Issue 16, probed from outside: every finding of the issue sent to a served seedtrail through
its public API only (HTTP on loopback, plus the ``seedtrail`` command for the CLI findings).

    PYTHONPATH=src .venv/bin/python docs/notes/issue-16-probe.py

It makes a fresh data folder, ``seedtrail init``, ``seedtrail serve`` on a free loopback port,
sets up two brands, two creators and two partners with the operator's key, then prints one line
per probe: the finding, what was sent, the answer, and PASS when the answer is the refusal the
issue asks for. Exit status 1 if any probe fails."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

PY = sys.executable
RESULTS: list[tuple[str, bool, str]] = []


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "seedtrail", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def record(finding: str, ok: bool, what: str) -> None:
    RESULTS.append((finding, ok, what))
    print(f"{'PASS' if ok else 'FAIL'}  {finding}: {what}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.key = key

    def as_(self, key: str) -> Api:
        other = Api.__new__(Api)
        other.http, other.key = self.http, key
        return other

    def req(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}", **kw.pop("headers", {})}
        return self.http.request(method, path, json=body, headers=headers, **kw)

    def make(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.req("POST", path, body)
        assert r.status_code in (200, 201), (path, r.status_code, r.text)
        return dict(r.json())

    def key_for(self, role: str, **owner: int) -> str:
        return str(self.make("/keys", {"name": role, "role": role, **owner})["key"])


def setup(api: Api) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for name, kind in (
        ("brand", "brand"),
        ("brand2", "brand"),
        ("cr", "creator"),
        ("cr2", "creator"),
    ):
        ids[name] = api.make(
            "/accounts",
            {
                "handle": name,
                "display_name": name,
                "kind": kind,
                "verified": True,
                "enterprise": kind == "brand",
            },
        )["id"]
    ids["shop"] = api.make(
        "/partners",
        {
            "slug": "shop",
            "name": "Shop",
            "kind": "web_shop",
            "allowed_hosts": ["shop.example.com"],
            "web_url_template": "https://shop.example.com/p/{item_id}",
        },
    )["id"]
    ids["shop2"] = api.make(
        "/partners",
        {
            "slug": "shop2",
            "name": "Shop 2",
            "kind": "web_shop",
            "allowed_hosts": ["s2.example.com"],
            "web_url_template": "https://s2.example.com/p/{item_id}",
        },
    )["id"]
    api.make("/rules", {"name": "open", "effect": "open", "category": "skincare"})
    keys = {"operator": api.key, "moderator": api.key_for("moderator")}
    for name in ("brand", "brand2", "cr", "cr2"):
        keys[name] = api.key_for(
            "brand" if name.startswith("brand") else "creator", account_id=ids[name]
        )
    keys["partner"] = api.key_for("partner", partner_id=ids["shop"])
    ids["cr_note"] = api.as_(keys["cr"]).make("/notes", {"title": "n", "category": "skincare"})[
        "id"
    ]
    ids["cr2_note"] = api.as_(keys["cr2"]).make(
        "/notes", {"title": "private n2", "category": "skincare"}
    )["id"]
    ids["cr2_comment"] = api.as_(keys["cr2"]).make(
        "/comments", {"note_id": ids["cr2_note"], "body": "c2"}
    )["id"]
    offer = {
        "partner_id": ids["shop"],
        "item_id": "1",
        "title": "o",
        "price": "1",
        "category": "skincare",
    }
    ids["brand_offer"] = api.as_(keys["brand"]).make("/offers", offer)["id"]
    ids["brand2_offer"] = api.as_(keys["brand2"]).make("/offers", offer)["id"]
    ids["cr_offer"] = api.as_(keys["cr"]).make("/offers", offer)["id"]
    ids["brand_campaign"] = api.as_(keys["brand"]).make(
        "/campaigns", {"name": "c", "starts_on": "2025-06-01"}
    )["id"]
    secret = api.make(f"/partners/{ids['shop']}/secrets", {})
    ids["secret"] = secret.get("secret") or secret.get("value")
    return {"ids": ids, "keys": keys}


def probe_tenants(api: Api, ids: dict[str, Any], keys: dict[str, str]) -> None:
    brand, cr = api.as_(keys["brand"]), api.as_(keys["cr"])
    f = "mount on another brand's profile card"
    body = {
        "placement": "profile_card",
        "offer_id": ids["brand_offer"],
        "account_id": ids["brand2"],
    }
    r = brand.req("POST", "/mounts", body)
    record(f, r.status_code == 403, f"brand POST /mounts → {r.status_code}")
    for placement, anchor in (
        ("note_card", {"note_id": ids["cr2_note"]}),
        ("comment", {"comment_id": ids["cr2_comment"]}),
    ):
        body = {"placement": placement, "offer_id": ids["cr_offer"], **anchor}
        r = cr.req("POST", "/mounts", body)
        record(
            f"creator's offer on another creator's {placement}",
            r.status_code == 403,
            f"creator POST /mounts → {r.status_code}",
        )
    f = "collab without the creator's consent"
    r = brand.req("POST", "/collabs", {"creator_id": ids["cr2"], "note_id": ids["cr2_note"]})
    pending = r.status_code == 201 and r.json()["status"] == "pending"
    cid = r.json().get("id")
    m = brand.req(
        "POST",
        "/mounts",
        {"placement": "note_card", "offer_id": ids["brand_offer"], "note_id": ids["cr2_note"]},
    )
    self_accept = brand.req("POST", f"/collabs/{cid}/accept", {})
    record(
        f,
        pending and m.status_code == 403 and self_accept.status_code in (403, 404),
        f"collab {r.status_code} {r.json().get('status')}, mount before acceptance "
        f"{m.status_code}, brand accepting {self_accept.status_code}",
    )
    f = "campaign membership for a note that is not the brand's"
    r = brand.req(
        "POST", f"/campaigns/{ids['brand_campaign']}/notes", {"note_ids": [ids["cr_note"]]}
    )
    a = brand.req("GET", f"/attribution/notes/{ids['cr_note']}")
    record(
        f,
        r.status_code in (403, 422) and a.status_code in (403, 404),
        f"POST /campaigns/{{own}}/notes → {r.status_code}; GET /attribution/notes → "
        f"{a.status_code}",
    )
    f = "policy/evaluate reveals another account's standing"
    body = {"placement": "note_card", "offer_id": ids["brand_offer"], "note_id": ids["cr2_note"]}
    r = brand.req("POST", "/policy/evaluate", body)
    leaks = any(w in r.text for w in ("account_status", "enforcement", "standing"))
    record(f, r.status_code == 403 and not leaks, f"→ {r.status_code}, standing in body: {leaks}")


ESCAPES = [
    "intent://shop.example.com/p?id={item_id}#Intent;scheme=shop;"
    "S.browser_fallback_url=https%3A%2F%2Fevil.example%2F;end",
    "intent://evil.example/x?id={item_id}#Intent;scheme=https;end",
    "googlechrome://evil.example/x?id={item_id}",
    "x-safari-https://evil.example/x?id={item_id}",
    "microsoft-edge:https://evil.example/x?id={item_id}",
    "firefox://open-url?url=https://evil.example/{item_id}",
    "opera-http://evil.example/x?id={item_id}",
]


def probe_destinations(api: Api, ids: dict[str, Any], keys: dict[str, str]) -> None:
    for n, template in enumerate(ESCAPES):
        new = {
            "slug": f"app{n}",
            "name": "a",
            "kind": "marketplace",
            "allowed_hosts": ["shop.example.com"],
            "web_url_template": "https://shop.example.com/p/{item_id}",
            "app_url_template": template,
        }
        r1 = api.req("POST", "/partners", new)
        r2 = api.req("PATCH", f"/partners/{ids['shop']}", {"app_url_template": template})
        record(
            "browser-opening app scheme",
            r1.status_code == 422 and r2.status_code == 422,
            f"{template.split(':')[0]}: POST {r1.status_code}, PATCH {r2.status_code}",
        )
    brand = api.as_(keys["brand"])
    for url in ("http://shop.example.com/p/1", "https://shop.example.com:8443/p/1"):
        body = {
            "partner_id": ids["shop"],
            "url": url,
            "title": "t",
            "price": "1",
            "category": "skincare",
        }
        r = brand.req("POST", "/offers", body)
        record("http:// and explicit ports", r.status_code == 422, f"{url} → {r.status_code}")
    for url in (
        "https://shop.example.com／x",
        "https://shop.example.com＃x",
        "https://evil.example＠shop.example.com/",
        "https://shop.example.com？x",
        "https://evil.example／@shop.example.com/",
        "https://[shop.example.com]/x",
        "https://[::1]/x",
        "https://[shop.example.com/x",
    ):
        body = {
            "partner_id": ids["shop"],
            "url": url,
            "title": "t",
            "price": "1",
            "category": "skincare",
        }
        r = brand.req("POST", "/offers", body)
        ok = r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        record("odd offer URL host", ok, f"{url} → {r.status_code}")


def probe_errors(api: Api, base: str, ids: dict[str, Any]) -> None:
    for path in (
        "/notes/100000000000000000000",
        f"/notes?offset={10**23}",
        f"/notes?author_id={10**20}",
        f"/clicks?mount_id={2**63}",
        f"/attribution/notes?ids={10**20}",
        f"/cases?subject_id={-(2**63) - 1}",
    ):
        r = api.req("GET", path)
        ok = 400 <= r.status_code < 500 and r.headers["content-type"] == "application/problem+json"
        record("ids beyond 64 bits", ok, f"GET {path} → {r.status_code}")
    raw = json.dumps(
        [
            {
                "event_id": "e1",
                "kind": "store_visit",
                "ts": "2026-11-20T08:00:00Z",
                "click_id": "c1",
                "sample_rate": 1.0,
            }
        ]
    ).encode()
    now = int(time.time())
    for value in (
        f"t=²{now},v1=00".encode("latin-1"),
        f"t={now}¹,v1=00".encode("latin-1"),
        f"t={'9' * 400},v1=00".encode(),
    ):
        r = httpx.post(
            f"{base}/partners/shop/events", content=raw, headers={"Seedtrail-Signature": value}
        )
        record(
            "odd signature timestamps", r.status_code == 401, f"{value[:14]!r} → {r.status_code}"
        )
    for seg in ("%C2%B2", "%EF%BC%91", "9" * 30, "no-such-partner"):
        r = httpx.post(
            f"{base}/partners/{seg}/events",
            content=raw,
            headers={"Seedtrail-Signature": f"t={now},v1=00"},
        )
        record(
            "odd/unknown partner segment",
            r.status_code == 401,
            f"/partners/{seg}/events → {r.status_code}",
        )
    doc = httpx.get(f"{base}/openapi.json").json()
    responses = doc["paths"]["/partners/{partner}/events"]["post"]["responses"]
    docs = (Path(__file__).parents[1] / "intake.md").read_text("utf-8")
    agree = "404" not in responses and "unknown partner" in responses["401"]["description"]
    record(
        "docs vs OpenAPI on an unknown partner",
        agree and "Unknown partner" in docs,
        f"OpenAPI answers {sorted(responses)}; docs/intake.md says 401",
    )


def probe_cli(data: Path) -> None:
    for args in (
        ("health", "--jsn"),
        ("keys", "create"),
        ("notes", "show"),
        ("mounts", "create", "--bogus"),
        ("cases", "act"),
    ):
        out = cli(data, *args)
        ok = out.returncode == 2 and "Usage:" in out.stderr and "internal error" not in out.stderr
        record("CLI usage mistake", ok, f"seedtrail {' '.join(args)} → exit {out.returncode}")


def probe_webhooks(base: str, ids: dict[str, Any]) -> None:
    from standardwebhooks import Webhook

    raw = json.dumps(
        [
            {
                "event_id": "w1",
                "kind": "store_visit",
                "ts": "2026-11-20T08:00:00Z",
                "click_id": "c1",
                "sample_rate": 1.0,
            }
        ]
    ).encode()
    sig = Webhook(ids["secret"]).sign("msg_1", datetime.now(UTC), raw)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,AAAA " + sig,
        "content-type": "application/json",
    }
    first = httpx.post(f"{base}/partners/shop/events", content=raw, headers=headers)
    again = httpx.post(f"{base}/partners/shop/events", content=raw, headers=headers)
    ok = first.status_code == 200 and first.json()["stored"] == 1 and again.json()["stored"] == 0
    record(
        "Standard Webhooks v1 (library-signed), retry stored once",
        ok,
        f"{first.status_code} {first.json()}, retry {again.json()}",
    )
    forged = {
        **headers,
        "webhook-signature": Webhook(base64.b64encode(b"x" * 32).decode()).sign(
            "msg_1", datetime.now(UTC), raw
        ),
    }
    r = httpx.post(f"{base}/partners/shop/events", content=raw, headers=forged)
    record("Standard Webhooks forged", r.status_code == 401, f"→ {r.status_code}")


def probe_outside(api: Api, ids: dict[str, Any]) -> None:
    """Step 4 of the hardening pass: what else an outsider sends."""
    r = api.req("GET", "/notes?x=1")
    record("unknown list filter", r.status_code == 422, f"GET /notes?x=1 → {r.status_code}")
    big = b'{"display_name": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    for name, raw, want in (
        ("10 MB body", big, 413),
        ("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, 400),
        ("NUL in a name", b'{"display_name": "a\\u0000b"}', 422),
    ):
        r = api.req(
            "PATCH",
            f"/accounts/{ids['brand']}",
            content=raw,
            headers={"content-type": "application/json"},
        )
        record(name, r.status_code == want, f"PATCH /accounts/{{id}} → {r.status_code}")
    for query in ("limit=0", "offset=-1", "limit=-1", "q=" + "a" * 60_000):
        r = api.req("GET", f"/notes?{query}")
        record("paging and long queries", r.status_code == 422, f"?{query[:12]} → {r.status_code}")


def serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "seedtrail",
            "--data-dir",
            str(data),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="probe16-"))
    init = cli(data, "init", "--operator-key", "probe")
    key = next(w for w in init.stdout.split() if w.startswith("st_"))
    port = free_port()
    proc = serve(data, port)
    base = f"http://127.0.0.1:{port}"
    try:
        api = Api(base, key)
        world = setup(api)
        steps: list[Callable[[], None]] = [
            lambda: probe_tenants(api, world["ids"], world["keys"]),
            lambda: probe_destinations(api, world["ids"], world["keys"]),
            lambda: probe_errors(api, base, world["ids"]),
            lambda: probe_webhooks(base, world["ids"]),
            lambda: probe_outside(api, world["ids"]),
            lambda: probe_cli(data),
        ]
        for step in steps:
            step()
    finally:
        proc.terminate()
        proc.wait(10)
    failed = [r for r in RESULTS if not r[1]]
    print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("SEEDTRAIL_LANG", "en")
    sys.exit(main())

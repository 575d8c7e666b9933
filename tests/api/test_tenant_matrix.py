"""The tenant matrix, generated from ``/openapi.json``: every operation × every role, aimed at
another tenant's objects (a second brand with its offer, campaign and collab; another creator
with her note, comment and mount; another partner). A brand, creator or partner never gets a 2xx
on another tenant's object, and no 2xx answer anywhere carries another tenant's private text
(every such object is named with a marker). An operation added later is in the matrix at once:
its path objects are looked up by resource, and one without a known resource or body fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import OPERATOR, World, auth, build_world, make
from seedtrail.community import accounts, campaigns, collabs, notes
from seedtrail.core import principals
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, appeals, cases
from seedtrail.links import offers
from seedtrail.store.store import Store

MARK = "tenantb"  # in every private text of the other tenant
TENANTS = ("brand", "creator", "partner")  # each must see nothing of tenant B
STAFF = ("operator", "moderator")  # may read across tenants: only never a 5xx
# where a tenant may legitimately get a 2xx on a B object (and still must not see MARK)
PUBLIC = {("brand", "GET /partners/{ident}"), ("creator", "GET /partners/{ident}")}


def tenant_b(store: Store) -> World:
    w = build_world(store)
    i = w.ids
    i["b_brand"] = make(
        store, accounts.RESOURCE, handle="b2", display_name=f"{MARK} brand", kind="brand",
        verified=True,
    )["id"]  # fmt: skip
    i["b_note"] = i["other_note"]
    i["b_buyer"] = make(
        store, accounts.RESOURCE, handle="b3", display_name=f"{MARK} buyer", kind="buyer",
        commission_rate=0.1,
    )["id"]  # fmt: skip
    with store.transaction() as conn:
        notes.NOTES.repo.update(conn, i["b_note"], {"title": f"{MARK} note"})
    i["b_comment"] = make(
        store, notes.COMMENTS, note_id=i["b_note"], author_id=i["other_creator"], body=MARK
    )["id"]
    i["b_offer"] = make(
        store, offers.RESOURCE, partner_id=i["webshop"], owner_id=i["b_brand"], item_id="77",
        title=f"{MARK} offer", price="1", category="skincare",
    )["id"]  # fmt: skip
    i["b_campaign"] = make(
        store, campaigns.RESOURCE, brand_id=i["b_brand"], name=f"{MARK} campaign",
        starts_on="2025-06-01",
    )["id"]  # fmt: skip
    i["b_collab"] = make(
        store, collabs.RESOURCE, brand_id=i["b_brand"], creator_id=i["other_creator"],
        note_id=i["b_note"],
    )["id"]  # fmt: skip
    b_creator = Principal(id=0, name="b", role="creator", account_id=i["other_creator"])
    with store.transaction() as conn:
        collabs.accept(conn, b_creator, i["b_collab"])
        b_case = cases.open_manual(
            conn, OPERATOR, cases.CaseIn(subject_type="note", subject_id=i["b_note"],
                                         summary=f"{MARK} case")
        )["id"]  # fmt: skip
        i["b_case"] = b_case
        actions.take(conn, OPERATOR, b_case, "label", f"{MARK} label")
        i["b_action"] = actions.for_subject(conn, "note", i["b_note"])[0]["id"]
        i["b_appeal"] = appeals.file(conn, b_creator, b_case, f"{MARK} appeal")["id"]
        i["b_key"] = principals.create(conn, name=MARK, role="brand", account_id=i["b_brand"])[0].id
    w.mount(placement="note_card", offer_id=i["b_offer"], note_id=i["b_note"])
    i["b_mount"] = w.mount(placement="comment", offer_id=i["b_offer"], comment_id=i["b_comment"])[
        "id"
    ]
    return w


def objects(w: World) -> dict[str, Any]:
    """Tenant B's object for each path resource (the first path segment, or two)."""
    i = w.ids
    return {
        "accounts": i["b_brand"], "notes": i["b_note"], "comments": i["b_comment"],
        "offers": i["b_offer"], "collabs": i["b_collab"], "campaigns": i["b_campaign"],
        "partners": i["webshop"], "mounts": i["b_mount"], "rules": i["rule"],
        "cases": i["b_case"], "actions": i["b_action"], "appeals": i["b_appeal"],
        "keys": i["b_key"], "attribution/campaigns": i["b_campaign"],
        "attribution/notes": i["b_note"], "cases/groups": "tenantb-group",
        "holdout": "tenantb-viewer-0001", "shop": "shop", "buyers": i["b_buyer"],
        "policy/changes": 1, "policy/studies": "0123456789ab",
    }  # fmt: skip


def bodies(w: World) -> dict[str, Any]:
    """A valid request body per operation, naming tenant B's objects where it can."""
    i = w.ids
    b_mount = {"placement": "note_card", "offer_id": i["b_offer"], "note_id": i["b_note"]}
    return {
        "POST /mounts": b_mount,
        "POST /policy/evaluate": b_mount,
        "POST /mounts/{ident}/status": {"status": "disabled"},
        "POST /policy/preview": {"partner_id": i["webshop"]},
        "POST /partners/{ident}/kill-switch": {"links_enabled": False, "reason": "matrix"},
        "POST /partners/{ident}/hold": {"reason": "matrix"},
        "POST /partners/{ident}/release": {"reason": "matrix"},
        "POST /partners/{ident}/public-keys": {"public_key": "whpk_" + "A" * 43 + "="},
        "POST /campaigns/{ident}/notes": {"note_ids": [i["note"]]},
        "PUT /campaigns/{ident}/spend": {"note_id": i["b_note"], "day": "2025-06-02",
                                          "amount": "1"},
        "POST /keys": {"name": "k", "role": "brand", "account_id": i["b_brand"]},
        "POST /cleanroom/reports": {"template": "funnel_by_partner", "campaign_id":
                                    i["b_campaign"], "period_start": "2025-06-02"},
        "POST /cases": {"subject_type": "note", "subject_id": i["b_note"], "summary": "matrix"},
        "POST /cases/{ident}/actions": {"action": "label", "reason": "matrix"},
        "POST /cases/groups/{group_key}/actions": {"action": "label", "reason": "matrix"},
        "POST /cases/{ident}/dismiss": {"reason": "matrix"},
        "POST /actions/{ident}/reverse": {"reason": "matrix"},
        "POST /cases/{ident}/appeal": {"statement": "matrix"},
        "POST /appeals/{ident}/decision": {"outcome": "upheld", "reason": "matrix"},
        "POST /accounts": {"handle": "m", "display_name": "m", "kind": "creator"},
        "PATCH /accounts/{ident}": {"display_name": "changed"},
        "POST /notes": {"title": "matrix", "category": "food"},
        "PATCH /notes/{ident}": {"title": "changed"},
        "POST /comments": {"note_id": i["b_note"], "body": "matrix"},
        "PATCH /comments/{ident}": {"body": "changed"},
        "POST /partners": {"slug": "m", "name": "m", "kind": "web_shop",
                           "allowed_hosts": ["m.example.com"]},
        "PATCH /partners/{ident}": {"name": "changed"},
        "POST /offers": {"partner_id": i["webshop"], "owner_id": i["b_brand"], "item_id": "1",
                         "title": "m", "price": "1", "category": "food"},
        "PATCH /offers/{ident}": {"title": "changed"},
        "POST /collabs": {"brand_id": i["b_brand"], "creator_id": i["other_creator"],
                          "note_id": i["b_note"]},
        "PATCH /collabs/{ident}": {"status": "revoked"},
        "POST /campaigns": {"brand_id": i["b_brand"], "name": "m", "starts_on": "2025-06-01"},
        "PATCH /campaigns/{ident}": {"name": "changed"},
        "POST /rules": {"name": "m", "effect": "closed", "category": "food"},
        "PATCH /rules/{ident}": {"name": "changed"},
        "PUT /campaigns/{ident}/funders": {"funders": [{"funder": "platform", "share": 0.1}]},
        "POST /community/events": [],
        "POST /partners/{partner}/events": [],
    }  # fmt: skip


IDS = re.compile(r"/\d+")
QUERIES = {
    "GET /attribution/notes": "ids={b_note}",
    "GET /policy/impact": "at=2025-06-02&treated=skincare",
    "GET /buyers/{ident}/commission": "since=2025-01-01&until=2026-12-31",
}


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    doc = client.get("/openapi.json").json()
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def _resource(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if not p.startswith("{")]
    for n in (2, 1):
        key = "/".join(parts[:n])
        if key in RESOURCES:
            return key
    raise AssertionError(f"{path}: no tenant-B object for its resource; add it to objects()")


RESOURCES = {
    "accounts", "notes", "comments", "offers", "collabs", "campaigns", "partners", "mounts",
    "rules", "cases", "actions", "appeals", "keys", "attribution/campaigns", "attribution/notes",
    "cases/groups", "holdout", "shop", "buyers", "policy/changes", "policy/studies",
}  # fmt: skip


def cases_of(w: World, client: TestClient) -> list[tuple[str, str, Any, bool]]:
    """(method, url, body, aims_at_b) for every operation."""
    objs, known = objects(w), bodies(w)
    out = []
    for method, path, op in operations(client):
        label = f"{method} {path}"
        params = re.findall(r"\{(\w+)\}", path)
        url = path
        for name in params:
            target = objs[_resource(path)]
            if name == "partner":
                target = "shop"  # the other partner's slug
            url = url.replace("{" + name + "}", str(target))
        if label in QUERIES:
            url += "?" + QUERIES[label].format(**w.ids)
        if "requestBody" in op and label not in known:
            raise AssertionError(f"{label}: add a request body to bodies()")
        out.append((method, url, known.get(label), bool(params) or label in known))
    return out


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Counts over every role (and backend) for the record: printed at the end of the module."""
    counts: dict[str, Any] = {"operations": set(), "roles": set(), "requests": 0, "aimed": 0}
    counts["refused"] = 0
    yield counts
    line = (
        f"tenant matrix: {len(counts['operations'])} operations x {len(counts['roles'])} roles, "
        f"{counts['requests']} requests ({counts['aimed']} by a tenant at tenant B's objects, "
        f"{counts['refused']} of them refused), 0 server errors, 0 cross-tenant accesses"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and counts["requests"]:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)


@pytest.mark.parametrize("role", TENANTS + STAFF)
def test_no_cross_tenant_access(
    store: Store, client: TestClient, role: str, tally: dict[str, Any]
) -> None:
    w = tenant_b(store)
    checked = 0
    for method, url, body, aims in cases_of(w, client):
        r = client.request(method, url, json=body, headers=auth(w.keys[role]))
        checked += 1
        tally["operations"].add(f"{method} {IDS.sub('/{ident}', url.split('?')[0])}")
        tally["roles"].add(role)
        label = f"{method} {IDS.sub('/{ident}', url.split('?')[0])}"
        assert r.status_code < 500, (role, method, url, r.text)
        if role in STAFF:
            continue
        if 200 <= r.status_code < 300:
            assert MARK not in r.text.lower(), (role, method, url, r.text[:300])
        creates_own = method == "POST" and url in ("/notes", "/comments")
        if aims and not creates_own and (role, label) not in PUBLIC:
            assert not 200 <= r.status_code < 300, (role, method, url, r.status_code, r.text)
            tally["aimed"] += 1
            tally["refused"] += r.status_code in (401, 403, 404, 409, 422)
    tally["requests"] += checked
    assert checked >= 70

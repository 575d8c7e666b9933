"""docs/security.md's role tables say what the code does (issue 16): the store-object table is
the resources' declared roles; the other-routes table is the access matrix of test_authz.py
(which sends every route with every role's key, so it is what the running code answers); every
route of ``/openapi.json`` has a row; and the prose table's "reads" column names exactly the
store objects each role may read."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from fastapi.testclient import TestClient

from api.test_authz import OK, _template, matrix, with_cases
from seedtrail.api import cleanroom_routes
from seedtrail.core.catalog import CRUD
from seedtrail.core.resources import Resource
from seedtrail.impact import history
from seedtrail.links import mounts
from seedtrail.store.store import Store

DOC = (Path(__file__).parents[2] / "docs" / "security.md").read_text("utf-8")
ROLES = ("operator", "moderator", "brand", "creator", "partner")
RESOURCES: dict[str, Resource] = {r.name: r for r in (*CRUD, mounts.RESOURCE)}


def _table(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading``, header and rule left out."""
    section = DOC.split(heading, 1)[1]
    lines = []
    for line in section.splitlines():
        if line.startswith("|"):
            lines.append([c.strip() for c in line.strip("|").split("|")])
        elif lines:
            break
    return lines[2:]


def _roles(cell: str) -> set[str]:
    return {r for r in ROLES if re.search(rf"\b{r}\b", cell)}


def _change(res: Resource) -> str:
    roles = ", ".join(r for r in ROLES if r in res.update_roles)
    if res.moderator_fields:
        roles += f"; moderator ({', '.join(sorted(res.moderator_fields))})"
    return roles


def test_the_store_object_table_is_the_resources_declared_roles() -> None:
    rows = {row[0]: row[1:] for row in _table("### Store objects, by role")}
    assert set(rows) == set(RESOURCES)
    for name, (read, create, change) in rows.items():
        res = RESOURCES[name]
        assert read == ", ".join(r for r in ROLES if r in res.read_roles), name
        assert create == ", ".join(r for r in ROLES if r in res.create_roles), name
        assert change == _change(res), name


def _documented_routes() -> dict[str, set[str]]:
    """``METHOD /path`` → roles, one entry per route a row names."""
    return {
        route: _roles(roles)
        for cell, roles in _table("### Other routes, by role")
        for route in re.findall(r"`([A-Z]+ /[^`]*)`", cell)
    }


def _generic(method: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    if parts[0] not in RESOURCES or len(parts) > 2:
        return False
    if method == "POST":  # mounts are made through the policy (POST /mounts has a row)
        return len(parts) == 1 and parts[0] != mounts.RESOURCE.name
    return (len(parts) == 1 and method == "GET") or parts[1:] == ["{ident}"]


def test_every_route_has_a_row_and_the_rows_are_what_the_code_answers(
    store: Store, client: TestClient
) -> None:
    documented = _documented_routes()
    doc = client.get("/openapi.json").json()
    routes = {
        f"{m.upper()} {p}"
        for p, ops in doc["paths"].items()
        for m in ops
        if not _generic(m.upper(), p)
    }
    assert routes - set(documented) == set(), "routes without a row in docs/security.md"
    assert set(documented) - routes == set(), "rows for routes that do not exist"
    w = with_cases(store)
    answered: dict[str, set[str]] = defaultdict(set)
    for method, url, _, expect in matrix(w):
        label = f"{method} {_template(url, w)}"
        answered[label] |= {r.removeprefix("other_") for r, v in expect.items() if v == OK}
    answered["POST /cleanroom/reports"] = set(cleanroom_routes.ASKERS)
    for route in IMPACT_ROUTES:  # every role against a deployment with data: test_impact_routes
        answered[route] = set(history.READERS)
    # the factory world has no buyer; a buyer's own key and operators: test_buyer_commission
    answered["GET /buyers/{ident}/commission"] = {"operator", "creator"}
    # nor an own shop; operators and the own shop's key: test_own_shop_orders
    answered["POST /partners/{partner}/orders"] = {"operator", "partner"}
    mismatched = {
        route: (roles, answered[route])
        for route, roles in documented.items()
        if route in answered and roles != answered[route]
    }
    assert mismatched == {}
    unchecked = set(documented) - set(answered)
    assert unchecked == {"POST /partners/{partner}/events"}  # signed, no role: tests/intake
    assert documented["POST /partners/{partner}/events"] == set()


IMPACT_ROUTES = (
    "GET /policy/changes",
    "GET /policy/changes/{entry_id}/impact",
    "GET /policy/impact",
    "GET /policy/studies/{study_id}",
)


NOUNS = {
    "accounts": r"\baccounts?\b", "notes": r"\bnotes?\b", "comments": r"\bcomments\b",
    "offers": r"\boffers\b", "mounts": r"\bmounts\b", "collabs": r"\bcollabs\b",
    "campaigns": r"\bcampaigns\b", "rules": r"\brules\b", "partners": r"\bpartner",
}  # fmt: skip


def test_the_prose_table_names_what_each_role_reads() -> None:
    rows = {row[0]: row[1] for row in _table("## Roles")}
    assert set(rows) == set(ROLES)
    for role, reads in rows.items():
        named = set(RESOURCES) if reads == "everything" else {
            name for name, pattern in NOUNS.items() if re.search(pattern, reads)
        }  # fmt: skip
        readable = {name for name, res in RESOURCES.items() if role in res.read_roles}
        assert named == readable, (role, named ^ readable)

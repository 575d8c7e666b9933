"""The moderator queue: cases by severity (highest first), then reach (largest first), then age,
a page at a time.

Staff see a campaign as its one case: members' cases are listed only when asked for by
``parent_id`` or ``group_key``; an owner sees their own cases (``cases.scope_of``). Pages are
read from the queue's indexes in order (migration 0010); the next page follows the previous
one's cursor (:mod:`seedtrail.store.paging`), so a page deep in a million open cases costs what
the first costs. An offset still works up to ``paging.MAX_OFFSET``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, true

from seedtrail.core.errors import InvalidInput, forbidden
from seedtrail.core.principals import Principal
from seedtrail.enforcement.cases import OWNERS, STAFF, present, scope_of
from seedtrail.messages import N_, Msg
from seedtrail.store import paging
from seedtrail.store.repo import Row
from seedtrail.store.schema import cases

FILTERS = (
    "status",
    "detector",
    "subject_type",
    "subject_id",
    "owner_account_id",
    "parent_id",
)
LISTING = paging.Listing(
    "cases", ((cases.c.severity, True), (cases.c.reach, True), (cases.c.id, False))
)


def page(
    conn: Connection,
    actor: Principal,
    filters: Mapping[str, object],
    *,
    min_severity: int | None = None,
    group_key: str | None = None,
    limit: int = 100,
    offset: int = 0,
    cursor: str | None = None,
) -> paging.Page:
    """One page of the queue for ``actor``: from the start, ``offset`` cases in, or after
    ``cursor`` (the previous page's ``next``)."""
    if actor.role not in STAFF | OWNERS:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "cases")
    clauses = _clauses(actor, filters, min_severity, group_key)
    listed = [c for c in cases.c if c.name != "evidence"]  # the queue never shows evidence
    base = select(*listed).where(and_(true(), *clauses))
    given = {**filters, "min_severity": min_severity, "group_key": group_key}
    found = paging.read(conn, LISTING, base, given, limit=limit, offset=offset, cursor=cursor)
    full = actor.role in STAFF
    return paging.Page([present(r, full=full) for r in found.rows], found.next, found.position)


def rows(conn: Connection, actor: Principal, filters: Mapping[str, object], **kw: Any) -> list[Row]:
    """The cases of one page (:func:`page`'s keywords), without the cursor."""
    return page(conn, actor, filters, **kw).rows


def _clauses(
    actor: Principal,
    filters: Mapping[str, object],
    min_severity: int | None,
    group_key: str | None,
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    scope = scope_of(actor)
    if scope is not None:
        clauses.append(scope)
    for key, value in filters.items():
        if value is None:
            continue
        if key not in FILTERS:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.case_filter",
                    {"key": key, "allowed": ", ".join((*FILTERS, "min_severity", "group_key"))},
                )
            )
        clauses.append(cases.c[key] == value)
    if min_severity is not None:
        clauses.append(cases.c.severity >= min_severity)
    if group_key is not None:
        clauses.append(cases.c.group_key == group_key)
    elif scope is None and filters.get("parent_id") is None:
        clauses.append(cases.c.parent_id.is_(None))
    return clauses

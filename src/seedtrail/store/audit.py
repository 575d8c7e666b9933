"""The audit log: who did what, when, with the state before and after, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, insert, select

from seedtrail.core.errors import forbidden
from seedtrail.messages import N_
from seedtrail.store import paging
from seedtrail.store.schema import audit_log
from seedtrail.store.types import utcnow

if TYPE_CHECKING:
    from seedtrail.core.principals import Principal

#: Who may read the audit log (the API and the dashboard both check with :func:`require_reader`).
READERS = frozenset({"operator", "moderator"})


class Entry(TypedDict):
    """One entry for :func:`record_many`: :func:`record`'s keyword arguments."""

    actor: str
    action: str
    object_type: str
    object_id: NotRequired[object]
    before: NotRequired[object]
    after: NotRequired[object]
    detail: NotRequired[object]


def require_reader(actor: Principal) -> None:
    if actor.role not in READERS:
        raise forbidden(actor.role, N_("problem.forbidden.read"), "audit")


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    before: Any = None,
    after: Any = None,
    detail: Any = None,
) -> int:
    """Append one audit entry in the caller's transaction; returns its id."""
    result = conn.execute(
        insert(audit_log).returning(audit_log.c.id),
        {
            "at": utcnow(),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "before": to_jsonable_python(before),
            "after": to_jsonable_python(after),
            "detail": to_jsonable_python(detail),
        },
    )
    return int(result.scalar_one())


def record_many(conn: Connection, items: list[Entry]) -> None:
    """Append many entries (each with :func:`record`'s keyword arguments) in one statement."""
    if not items:
        return
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor": i["actor"],
            "action": i["action"],
            "object_type": i["object_type"],
            "object_id": None if i.get("object_id") is None else str(i["object_id"]),
            "before": to_jsonable_python(i.get("before")),
            "after": to_jsonable_python(i.get("after")),
            "detail": to_jsonable_python(i.get("detail")),
        }
        for i in items
    ]
    conn.execute(insert(audit_log), rows)


LISTING = paging.Listing("audit", ((audit_log.c.id, True),))


def page(
    conn: Connection,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    action_prefix: str | None = None,
    limit: int = 100,
    offset: int = 0,
    cursor: str | None = None,
) -> paging.Page:
    """Entries, newest first: from the start, ``offset`` entries in (bounded), or after
    ``cursor`` (the previous page's ``next``)."""
    query = select(audit_log)
    if object_type:
        query = query.where(audit_log.c.object_type == object_type)
    if object_id:
        query = query.where(audit_log.c.object_id == object_id)
    if action_prefix:
        query = query.where(audit_log.c.action.startswith(action_prefix))
    given = {"object_type": object_type, "object_id": object_id, "action": action_prefix}
    return paging.read(conn, LISTING, query, given, limit=limit, offset=offset, cursor=cursor)


def entries(
    conn: Connection,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    action_prefix: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, object]]:
    """The entries of one page (:func:`page`), without the cursor."""
    return page(
        conn,
        object_type=object_type,
        object_id=object_id,
        action_prefix=action_prefix,
        limit=limit,
        offset=offset,
    ).rows

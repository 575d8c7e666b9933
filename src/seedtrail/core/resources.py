"""Generic create / read / list / update of store objects with access control and auditing.

Each noun (accounts, notes, offers, ...) describes itself once as a :class:`Resource`: its table,
its input models, who may do what, which rows a principal may see, and hooks for its own rules.
Both the HTTP API and the CLI go through these functions, so the rules are written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Table, and_, select, true

from seedtrail.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    forbidden,
    not_found,
    one_of,
)
from seedtrail.core.principals import Principal
from seedtrail.messages import N_, Msg, term
from seedtrail.store import audit, epoch, paging, schema
from seedtrail.store.repo import Repo, Row

PRIVILEGED = frozenset({"operator", "moderator"})
Scope = Callable[[Principal], ColumnElement[bool] | None]
Prepare = Callable[[Connection, Principal, dict[str, object]], dict[str, object]]
CheckUpdate = Callable[[Connection, Principal, Row, dict[str, object]], dict[str, object]]


def _no_prepare(conn: Connection, actor: Principal, values: dict[str, object]) -> dict[str, object]:
    return values


def _no_check(
    conn: Connection, actor: Principal, before: Row, values: dict[str, object]
) -> dict[str, object]:
    return values


def _identity(row: Row) -> Row:
    return row


@dataclass(frozen=True)
class Resource:
    name: str
    noun: str
    table: Table
    create_model: type[BaseModel]
    update_model: type[BaseModel]
    read_roles: frozenset[str]
    create_roles: frozenset[str]
    update_roles: frozenset[str]
    scope: Scope
    prepare: Prepare = _no_prepare
    check_update: CheckUpdate = _no_check
    policy_fields: frozenset[str] = frozenset()
    policy_on_create: bool = False
    filters: tuple[str, ...] = ()
    present: Callable[[Row], Row] = _identity
    moderator_fields: frozenset[str] = frozenset()
    extra: Mapping[str, object] = field(default_factory=dict)
    #: Columns whose stored values are words of a family of keys (``status`` → ``state``): the
    #: dashboard and the CLI show ``term(family, value)`` in the reader's language, not the value.
    terms: Mapping[str, str] = field(default_factory=dict)

    @property
    def repo(self) -> Repo:
        return Repo(self.table, self.noun)

    def where_visible(self, actor: Principal) -> ColumnElement[bool] | None:
        if actor.role in PRIVILEGED:
            return None
        return self.scope(actor)


#: Names of resources in messages (seedtrail.messages.term): plural and singular.
TERMS = (
    *(N_("resource.accounts"), N_("resource.collabs"), N_("resource.campaigns")),
    *(N_("resource.notes"), N_("resource.comments"), N_("resource.mounts")),
    *(N_("resource.partners"), N_("resource.offers"), N_("resource.rules")),
    *(N_("resource.cases"), N_("resource.clicks"), N_("resource.audit")),
    N_("resource.attribution"),
    N_("resource.impact"),
    N_("resource.commission"),
    *(N_("object.account"), N_("object.collab"), N_("object.campaign"), N_("object.note")),
    *(N_("object.comment"), N_("object.mount"), N_("object.partner"), N_("object.offer")),
    *(N_("object.policy_rule"), N_("object.case"), N_("object.action"), N_("object.appeal")),
    *(N_("object.principal"), N_("object.partner_secret")),
)


def _require(actor: Principal, roles: frozenset[str], what: str, noun: str) -> None:
    """``what`` is the key of the verb (``problem.forbidden.read``)."""
    if actor.role not in roles:
        raise forbidden(actor.role, what, noun)


def get(conn: Connection, res: Resource, actor: Principal, ident: int) -> Row:
    _require(actor, res.read_roles, N_("problem.forbidden.read"), res.name)
    pk = next(iter(res.table.primary_key.columns))
    clauses: list[ColumnElement[bool]] = [pk == ident]
    scope = res.where_visible(actor)
    if scope is not None:
        clauses.append(scope)
    row = conn.execute(select(res.table).where(and_(*clauses))).mappings().first()
    if row is None:
        raise NotFound(not_found(res.noun, ident))
    return dict(row)


def list_page(
    conn: Connection,
    res: Resource,
    actor: Principal,
    filters: Mapping[str, object],
    *,
    limit: int = 100,
    offset: int = 0,
    cursor: str | None = None,
) -> paging.Page:
    """One page of the rows ``actor`` may see, by id: from the start, ``offset`` rows in
    (bounded), or after ``cursor`` (the previous page's ``next``)."""
    _require(actor, res.read_roles, N_("problem.forbidden.list"), res.name)
    clauses: list[ColumnElement[bool]] = []
    scope = res.where_visible(actor)
    if scope is not None:
        clauses.append(scope)
    for key, value in filters.items():
        if value is None:
            continue
        if key not in res.filters:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.filter",
                    {"what": term("resource", res.name), "key": key,
                     "allowed": ", ".join(res.filters) or "—"},
                )
            )  # fmt: skip
        allowed = schema.choices(res.table, key)
        if allowed:  # a value the column never holds is a mistake, not an empty list
            one_of(key, value, allowed)
        clauses.append(res.table.c[key] == value)
    pk = next(iter(res.table.primary_key.columns))
    listing = paging.Listing(res.name, ((pk, False),))
    base = select(res.table).where(and_(true(), *clauses))
    return paging.read(conn, listing, base, filters, limit=limit, offset=offset, cursor=cursor)


def list_rows(
    conn: Connection,
    res: Resource,
    actor: Principal,
    filters: Mapping[str, object],
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[Row]:
    """The rows of one page (:func:`list_page`), without the cursor."""
    return list_page(conn, res, actor, filters, limit=limit, offset=offset).rows


def create(conn: Connection, res: Resource, actor: Principal, data: BaseModel) -> Row:
    _require(actor, res.create_roles, N_("problem.forbidden.create"), res.name)
    values = res.prepare(conn, actor, data.model_dump(exclude_unset=False))
    row = res.repo.insert(conn, values)
    audit.record(
        conn,
        actor=actor.label,
        action=f"{res.noun}.create",
        object_type=res.noun,
        object_id=row["id"],
        after=res.present(row),
    )
    if res.policy_on_create:
        epoch.bump(conn)
    return row


def update(conn: Connection, res: Resource, actor: Principal, ident: int, data: BaseModel) -> Row:
    current = get(conn, res, actor, ident)
    values = data.model_dump(exclude_unset=True)
    if actor.role == "moderator":
        outside = set(values) - res.moderator_fields
        if outside or not res.moderator_fields:
            raise Forbidden(
                Msg(
                    "problem.forbidden.moderator_fields",
                    {"fields": ", ".join(sorted(outside)) or res.name},
                )
            )
    else:
        _require(actor, res.update_roles, N_("problem.forbidden.change"), res.name)
    values = res.check_update(conn, actor, current, values)
    before, after = res.repo.update(conn, ident, values)
    changed = {k for k in values if before.get(k) != after.get(k)}
    audit.record(
        conn,
        actor=actor.label,
        action=f"{res.noun}.update",
        object_type=res.noun,
        object_id=ident,
        before={k: res.present(before).get(k) for k in changed},
        after={k: res.present(after).get(k) for k in changed},
    )
    if changed & res.policy_fields:
        epoch.bump(conn)
    return after


def owned_by(actor: Principal, *columns: Any) -> ColumnElement[bool] | None:
    """Scope helper: rows whose any of ``columns`` is the actor's account."""
    from sqlalchemy import false, or_

    if actor.account_id is None:
        return false()
    return or_(*(c == actor.account_id for c in columns))


def own_account(actor: Principal, requested: int | None, *, field_name: str) -> int:
    """For brand/creator actors, the owner is always themselves; operators must name one."""
    if actor.role in ("brand", "creator"):
        assert actor.account_id is not None
        if requested not in (None, actor.account_id):
            raise Forbidden(
                Msg("problem.forbidden.own_account", {"field": field_name, "id": actor.account_id})
            )
        return actor.account_id
    if requested is None:
        raise InvalidInput(Msg("problem.invalid-input.required", {"field": field_name}))
    return requested

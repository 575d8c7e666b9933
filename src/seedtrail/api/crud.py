"""Builds the standard routes of a :class:`~seedtrail.core.resources.Resource`:
``POST /{name}``, ``GET /{name}``, ``GET /{name}/{id}``, ``PATCH /{name}/{id}``."""

# No ``from __future__ import annotations`` here: FastAPI must see the real model classes.

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from seedtrail.api.deps import Actor, Bodies, Body, Reader, Writer
from seedtrail.api.pages import Cursor, Offset, respond
from seedtrail.core import resources
from seedtrail.core.errors import InvalidInput
from seedtrail.core.resources import Resource
from seedtrail.messages import Msg
from seedtrail.store import paging
from seedtrail.store.types import MAX_INT, Id


def crud_router(res: Resource, *, create: bool = True, update: bool = True) -> APIRouter:
    router = APIRouter(prefix=f"/{res.name}", tags=[res.name])
    create_model = res.create_model
    update_model = res.update_model

    if create:

        @router.post("", status_code=201, summary=f"Create a {res.noun}")
        def create_one(body: create_model, actor: Actor, conn: Writer) -> Body:  # type: ignore[valid-type]
            return res.present(resources.create(conn, res, actor, body))

    @router.get("", summary=f"List {res.name}")
    def list_all(
        request: Request,
        response: Response,
        actor: Actor,
        conn: Reader,
        limit: int = Query(100, ge=1, le=paging.MAX_LIMIT),
        offset: Offset = 0,
        cursor: Cursor = None,
    ) -> Bodies:
        filters = {
            k: _coerce(k, v)
            for k, v in request.query_params.items()
            if k not in ("limit", "offset", "cursor")
        }
        page = resources.list_page(
            conn, res, actor, filters, limit=limit, offset=offset, cursor=cursor
        )
        rows = [res.present(r) for r in page.rows]
        return respond(request, response, paging.Page(rows, page.next, page.position))

    @router.get("/{ident}", summary=f"Get a {res.noun}")
    def get_one(ident: Id, actor: Actor, conn: Reader) -> Body:
        return res.present(resources.get(conn, res, actor, ident))

    if not update:
        return router

    @router.patch("/{ident}", summary=f"Change a {res.noun}")
    def update_one(ident: Id, body: update_model, actor: Actor, conn: Writer) -> Body:  # type: ignore[valid-type]
        return res.present(resources.update(conn, res, actor, ident, body))

    return router


def _coerce(key: str, value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    digits = value.removeprefix("-")
    if digits.isascii() and digits.isdigit():
        number = int(value)
        if abs(number) > MAX_INT:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.query_range",
                    {"param": key, "value": value, "max": MAX_INT},
                )
            )
        return number
    return value

"""FastAPI dependencies: the store and the calling principal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from seedtrail.core import principals
from seedtrail.core.principals import Principal
from seedtrail.store.store import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def get_principal(request: Request, store: Annotated[Store, Depends(get_store)]) -> Principal:
    with store.read() as conn:
        return principals.authenticate(conn, _key(request))


def write_conn(store: Annotated[Store, Depends(get_store)]) -> Iterator[Connection]:
    with store.transaction() as conn:
        yield conn


def read_conn(store: Annotated[Store, Depends(get_store)]) -> Iterator[Connection]:
    with store.read() as conn:
        yield conn


Actor = Annotated[Principal, Depends(get_principal)]
Writer = Annotated[Connection, Depends(write_conn)]
Reader = Annotated[Connection, Depends(read_conn)]
StoreDep = Annotated[Store, Depends(get_store)]

#: A response body the OpenAPI document leaves open (a JSON object; docs/ spell out its fields).
#: The layer below builds it, mostly as a TypedDict; a mapping of objects is what FastAPI is told,
#: so the document and the serialisation stay those of a free-form object.
Body = Mapping[str, object]
#: A list of such bodies (a page of rows).
Bodies = Sequence[Mapping[str, object]]

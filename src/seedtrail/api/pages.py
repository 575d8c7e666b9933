"""Long lists over the API: the body stays the list of rows; the next page's cursor is in the
``Link`` header (``rel="next"``, RFC 8288, a relative URL with ``cursor=``) and in
``X-Next-Cursor``. The last page has neither. An offset works up to 10,000 rows; past it, and for
a cursor that this list did not give out for these filters, the answer is a 422 problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from seedtrail.api.deps import Bodies
from seedtrail.store import paging
from seedtrail.store.types import MAX_INT

Cursor = Annotated[
    str | None,
    Query(
        max_length=paging.MAX_CURSOR,
        description="The next page: the cursor from the previous page's Link or X-Next-Cursor",
    ),
]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_INT,
        description=f"Rows to skip, up to {paging.MAX_OFFSET:,}; past it, page on with the cursor",
    ),
]


def respond(request: Request, response: Response, page: paging.Page) -> Bodies:
    """The page's rows, with its next cursor in the headers."""
    if page.next is not None:
        url = request.url.remove_query_params("offset").include_query_params(cursor=page.next)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
        response.headers["X-Next-Cursor"] = page.next
    return page.rows

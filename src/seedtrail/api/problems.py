"""One JSON error shape for every API error: RFC 9457 problem details.

{"type": "https://seedtrail.dev/problems/<code>", "title": ..., "status": ...,
 "detail": ..., "instance": "<path>", "errors": [{"loc": [...], "msg": ...}], ...}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from seedtrail.errors import RateLimited, SeedtrailError

PROBLEM_BASE = "https://seedtrail.dev/problems/"
MEDIA_TYPE = "application/problem+json"

_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    422: "invalid-input",
    429: "rate-limited",
}


def problem(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _seedtrail_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SeedtrailError)
    extra = dict(exc.extra)
    if isinstance(exc, RateLimited):
        extra["retry_after"] = exc.retry_after
    return problem(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        request.url.path,
        errors=exc.errors or None,
        **extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return problem(
        422,
        "invalid-input",
        "Invalid input",
        f"request is invalid: {where}",
        request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http-error")
    title = code.replace("-", " ").capitalize()
    return problem(exc.status_code, code, title, str(exc.detail), request.url.path)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (a number past its integer range, text past a column's
    length) is the request's fault. Inputs are bounded where they are declared; this catches what
    a bound missed, so it is still a 422 and never a 500."""
    return problem(
        422,
        "invalid-input",
        "Invalid input",
        "a value in the request is out of range for the store (numbers up to 2147483647)",
        request.url.path,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        request.url.path,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(SeedtrailError, _seedtrail_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)

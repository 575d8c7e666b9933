"""One JSON error shape for every API error: RFC 9457 problem details.

{"type": "https://seedtrail.dev/problems/<code>", "title": ..., "status": ...,
 "detail": ..., "instance": "<path>", "errors": [{"loc": [...], "msg": ...}], ...}

Title and detail are in the language the request's Accept-Language asks for (Babel's
negotiation; English when it asks for none we have), with a Content-Language header; the
``type`` (the code) never changes with the language. Titles are the catalogue keys
``problem.<code>``; a detail is translated when the error carries a message (errors.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from seedtrail import messages
from seedtrail.core.errors import RateLimited, SeedtrailError, field_errors
from seedtrail.messages import N_, Msg

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
# The title of every problem code, by key (a test checks each error class has one).
TITLES = (
    *(N_("problem.internal-error"), N_("problem.config-error"), N_("problem.invalid-input")),
    *(N_("problem.bad-request"), N_("problem.unauthorized"), N_("problem.forbidden")),
    *(N_("problem.not-found"), N_("problem.conflict"), N_("problem.report-outdated")),
    *(N_("problem.payload-too-large"), N_("problem.rate-limited")),
    *(N_("problem.unsafe-destination"), N_("problem.policy-denied")),
    *(N_("problem.store-error"), N_("problem.sim-error"), N_("problem.privacy-budget-exhausted")),
    *(N_("problem.attribution-input"), N_("problem.engine-unavailable")),
    *(N_("problem.method-not-allowed"), N_("problem.http-error")),
)


def language(request: Request) -> str:
    """The reader's language: Babel's best match for Accept-Language, else English."""
    return messages.negotiate(request.headers.get("accept-language"), default="en")


def title(lang: str, code: str, fallback: str) -> str:
    key = f"problem.{code}"
    return messages.translate(lang, key) if messages.has(lang, key) else fallback


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    lang: str = "en",
    **extra: Any,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"Content-Language": lang, "Vary": "Accept-Language"}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _seedtrail_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SeedtrailError)
    return for_error(request, exc)


def for_error(request: Request, exc: SeedtrailError) -> JSONResponse:
    """The problem document of ``exc``, in the reader's language (also used outside FastAPI's
    handlers, by the body limit)."""
    extra = dict(exc.extra)
    if isinstance(exc, RateLimited):
        extra["retry_after"] = exc.retry_after
    lang = language(request)
    return problem(
        exc.status,
        exc.code,
        title(lang, exc.code, exc.title),
        exc.detail_in(lang),
        request.url.path,
        lang,
        errors=exc.errors or None,
        **extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    where = field_errors(exc.errors())
    lang = language(request)
    return problem(
        422,
        "invalid-input",
        title(lang, "invalid-input", "Invalid input"),
        Msg("problem.invalid-input.request", {"where": where}).render(lang),
        request.url.path,
        lang,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http-error")
    lang = language(request)
    # Starlette's own details ("Not Found") are its status phrases: shown as the title's text.
    default = code.replace("-", " ").capitalize()
    detail = str(exc.detail)
    if detail.replace(" ", "-").lower() == code or detail == default:
        detail = title(lang, code, default)
    return problem(
        exc.status_code, code, title(lang, code, default), detail, request.url.path, lang
    )


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (a number past its integer range, text past a column's
    length) is the request's fault. Inputs are bounded where they are declared; this catches what
    a bound missed, so it is still a 422 and never a 500."""
    lang = language(request)
    return problem(
        422,
        "invalid-input",
        title(lang, "invalid-input", "Invalid input"),
        Msg("problem.invalid-input.store_range").render(lang),
        request.url.path,
        lang,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    lang = language(request)
    return problem(
        500,
        "internal-error",
        title(lang, "internal-error", "Internal error"),
        Msg("problem.internal-error.detail").render(lang),
        request.url.path,
        lang,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(SeedtrailError, _seedtrail_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)

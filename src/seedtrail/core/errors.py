"""One exception hierarchy for seedtrail.

Every error a user can meet derives from :class:`SeedtrailError`. Each class carries the HTTP
status it maps to and a stable ``code`` that becomes the ``type`` of an RFC 9457 problem document
(``https://seedtrail.dev/problems/<code>``). Messages must say what went wrong and where, and must
never contain a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from seedtrail.messages import N_, Msg, term


class SeedtrailError(Exception):
    """Base class of every error seedtrail raises on purpose.

    ``detail`` is text, or a :class:`~seedtrail.messages.Msg` (key and parameters) that the API,
    the dashboard and the CLI render in their reader's language; ``self.detail`` is then its
    English text. The title is translated by ``code`` (key ``problem.<code>``)."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self, detail: str | Msg, *, errors: list[dict[str, object]] | None = None, **extra: Any
    ) -> None:
        self.msg = detail if isinstance(detail, Msg) else None
        self.detail = detail.english if isinstance(detail, Msg) else detail
        super().__init__(self.detail)
        self.errors = errors or []
        self.extra = extra

    def detail_in(self, lang: str) -> str:
        return self.msg.render(lang) if self.msg is not None else self.detail


class ConfigError(SeedtrailError):
    code = "config-error"
    title = "Configuration error"


class InvalidInput(SeedtrailError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class BadRequest(SeedtrailError):
    status = 400
    code = "bad-request"
    title = "Bad request"


class Unauthorized(SeedtrailError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(SeedtrailError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(SeedtrailError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(SeedtrailError):
    status = 409
    code = "conflict"
    title = "Conflict"


class ReportOutdated(Conflict):
    """The published attribution report was written in a format this build does not read."""

    code = "report-outdated"
    title = "Attribution report outdated"


class PayloadTooLarge(SeedtrailError):
    status = 413
    code = "payload-too-large"
    title = "Payload too large"


class RateLimited(SeedtrailError):
    status = 429
    code = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class UnsafeDestination(InvalidInput):
    """A link destination that could redirect somewhere it must not."""

    code = "unsafe-destination"
    title = "Unsafe link destination"


class PolicyDenied(SeedtrailError):
    """The link policy refused a mount; ``extra['decision']`` explains why."""

    status = 403
    code = "policy-denied"
    title = "Denied by link policy"


class StoreError(SeedtrailError):
    code = "store-error"
    title = "Store error"


class SimError(SeedtrailError):
    """The demo-world simulator cannot build or write a world."""

    code = "sim-error"
    title = "Simulator error"


class BudgetExhausted(SeedtrailError):
    """A differential-privacy budget would be exceeded; nothing was released or spent."""

    status = 429
    code = "privacy-budget-exhausted"
    title = "Privacy budget exhausted"


class AttributionInputError(InvalidInput):
    """An attribution input file is missing, unreadable or lacks a required column."""

    code = "attribution-input"
    title = "Bad attribution input"


class EngineUnavailable(ConfigError):
    """The requested compute engine (e.g. Spark) cannot run here."""

    code = "engine-unavailable"
    title = "Engine unavailable"


class InvalidValue(ValueError):
    """A value a validator refuses, with a message for people (key and parameters). Pydantic
    keeps the exception as its error's ``ctx["error"]``, so :func:`field_errors` shows the
    message in the reader's language; ``str()`` is its English text."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.english)
        self.msg = msg


def one_of(option: str, value: object, allowed: Sequence[str]) -> None:
    """Refuse a value outside ``allowed`` ("--type must be one of click, read, not 'x'"): a
    filter or choice that matched nothing silently would read as "there is none". ``None`` is
    a value not given."""
    if value is not None and value not in allowed:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.option_choice",
                {"option": option, "value": repr(value), "allowed": ", ".join(allowed)},
            )
        )


def not_found(noun: str, ident: object) -> Msg:
    """ "{noun} {ident} not found": ``noun`` a name of the ``object.*`` family (``case``)."""
    return Msg("problem.not-found.object", {"noun": term("object", noun), "id": ident})


def forbidden(role: str, verb: str, resource: str) -> Forbidden:
    """ "a {role} may not {verb} {resource}": ``verb`` is a key (``problem.forbidden.read``),
    ``resource`` a name listed in :data:`seedtrail.core.resources.TERMS`."""
    return Forbidden(Msg(verb, {"role": term("role", role), "what": term("resource", resource)}))


#: Pydantic's error types that have a message of their own (``validation.<type>``, the error's
#: ``ctx`` as fields; the English text is pydantic's own); any other type shows pydantic's text.
VALIDATION_TYPES = frozenset(
    key.removeprefix("validation.")
    for key in (
        *(
            N_("validation.missing"),
            N_("validation.extra_forbidden"),
            N_("validation.json_invalid"),
        ),
        *(N_("validation.greater_than"), N_("validation.greater_than_equal")),
        *(N_("validation.less_than"), N_("validation.less_than_equal")),
        *(N_("validation.finite_number"), N_("validation.string_type")),
        *(N_("validation.string_too_short"), N_("validation.string_too_long")),
        *(N_("validation.string_pattern_mismatch"), N_("validation.enum")),
        *(N_("validation.literal_error"), N_("validation.dict_type"), N_("validation.list_type")),
        *(N_("validation.bool_type"), N_("validation.bool_parsing"), N_("validation.int_type")),
        *(N_("validation.int_parsing"), N_("validation.int_from_float")),
        *(N_("validation.float_type"), N_("validation.float_parsing")),
        *(N_("validation.date_type"), N_("validation.date_parsing")),
        *(N_("validation.date_from_datetime_parsing"), N_("validation.datetime_type")),
        *(N_("validation.datetime_parsing"), N_("validation.datetime_from_date_parsing")),
        *(N_("validation.url_parsing"), N_("validation.decimal_parsing")),
        N_("validation.model_attributes_type"),
    )
)


def field_errors(errors: Sequence[Any]) -> list[Msg]:
    """Pydantic's validation errors as messages: ``where: what`` each, ``what`` in the reader's
    language for the types of :data:`VALIDATION_TYPES` (else pydantic's English text)."""
    out = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ())) or "input"
        kind, ctx = str(e.get("type")), dict(e.get("ctx") or {})
        if isinstance(ctx.get("error"), InvalidValue):
            what: Msg | str = ctx["error"].msg
        elif kind in VALIDATION_TYPES:
            key = "validation." + kind
            what = Msg(key, {k: str(v) for k, v in ctx.items()})
        else:
            what = str(e.get("msg", ""))
        out.append(Msg("problem.invalid-input.field", {"where": where, "what": what}))
    return out


def validated(model: Any, values: dict[str, object]) -> Any:
    """``model.model_validate(values)``, with a validation error turned into :class:`InvalidInput`
    naming each bad field (used by the CLI and the dashboard's forms)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = field_errors(exc.errors())
        raise InvalidInput(Msg("problem.invalid-input.request", {"where": problems})) from None

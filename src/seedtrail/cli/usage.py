"""Click's usage errors in the reader's language (docs/i18n.md).

Typer's vendored Click writes its usage errors ("No such option: --x", "Missing argument
'FILE'.") as English f-strings, with no gettext hook. :func:`show` prints one the way Click does
(usage line, help hint, error) with each known message matched against Click's English template
and rendered from the catalogue: the English text is Click's own, so nothing changes in English.
A bad value that pydantic rejected shows pydantic's error by its type (``validation.<type>``);
a message no template matches is shown as Click wrote it.
"""

from __future__ import annotations

import re
from typing import Any

from seedtrail import messages
from seedtrail.core.errors import VALIDATION_TYPES
from seedtrail.messages import N_, Msg

#: Click's English messages (typer._click) and their keys; the first full match wins.
TEMPLATES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), key)
    for pattern, key in (
        (
            r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
            N_("cli.usage.no_such_option_hint"),
        ),
        (r"No such option: (?P<name>.+)", N_("cli.usage.no_such_option")),
        (
            r"No such command (?P<name>.+)\. Did you mean (?P<options>.+)\?",
            N_("cli.usage.no_such_command_hint"),
        ),
        (r"No such command (?P<name>.+)\.", N_("cli.usage.no_such_command")),
        (r"Missing command\.", N_("cli.usage.missing_command")),
        (r"Missing argument (?P<name>.+)\.", N_("cli.usage.missing_argument")),
        (r"Missing option (?P<name>.+)\.", N_("cli.usage.missing_option")),
        (r"Option (?P<name>.+) requires an argument\.", N_("cli.usage.needs_value")),
        (r"Option (?P<name>.+) requires (?P<n>\d+) arguments\.", N_("cli.usage.needs_values")),
        (r"Option (?P<name>.+) does not take a value\.", N_("cli.usage.takes_no_value")),
        (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)", N_("cli.usage.extra_arguments")),
        (r"Invalid value for (?P<name>.+?): (?P<error>.+)", N_("cli.usage.invalid_value")),
        (r"(?P<value>.+) is not one of (?P<allowed>.+)\.", N_("cli.usage.not_one_of")),
        (r"Value (?P<value>.+) is not a valid (?P<kind>\w+)\.", N_("cli.usage.not_valid")),
    )
)


def _match(text: str) -> Msg | None:
    for pattern, key in TEMPLATES:
        found = pattern.fullmatch(text)
        if found:
            return Msg(key, found.groupdict())
    return None


def _bad_value(exc: BaseException, said: str) -> Msg | str:
    """Why a value was refused: pydantic's first error by its type, else Click's text."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        first = (errors() or [{}])[0]
        kind = str(first.get("type"))
        if kind in VALIDATION_TYPES:
            ctx = {k: str(v) for k, v in dict(first.get("ctx") or {}).items()}
            key = "validation." + kind  # one of VALIDATION_TYPES, each listed with N_()
            return Msg(key, ctx)
    return _match(said) or said


def message(exc: Any, lang: str) -> str:
    """A usage error's message (Click's ``format_message()``) in ``lang``."""
    said = str(exc.format_message())
    found = _match(said)
    if found is None:
        return said
    if found.code == "cli.usage.invalid_value":
        found = Msg(
            found.code, {**found.params, "error": _bad_value(exc, str(found.params["error"]))}
        )
    return found.render(lang)


def lines(exc: Any, lang: str) -> list[str]:
    """What Click's ``UsageError.show`` prints, in ``lang``: the usage, a hint, the error."""
    out = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = str(ctx.get_usage())
        if usage.startswith("Usage: "):
            usage = messages.translate(lang, "cli.usage.usage") + " " + usage[len("Usage: ") :]
        out.append(usage)
        if ctx.command.get_help_option(ctx) is not None:
            hint = {"command": ctx.command_path, "option": ctx.help_option_names[0]}
            out.append(messages.translate(lang, "cli.usage.try", **hint))
    out.append(messages.translate(lang, "cli.usage.error", message=message(exc, lang)))
    return out

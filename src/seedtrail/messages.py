"""Messages in the reader's language: gettext catalogues managed with Babel, Babel's locale
negotiation, and Babel's number, money and date formats.

Every message has a stable key (``pager.of``, ``policy.rule.opens``, ``problem.not-found``) that
is its gettext msgid; ``locales/<locale>/LC_MESSAGES/messages.po`` hold the text per language
(``{name}`` fields are filled with :meth:`str.format`), and the compiled ``messages.mo`` next to
them are what runs (``pybabel compile``; a test checks they match the ``.po`` files). Domain
code never builds sentences for people: it returns a :class:`Msg` (key and parameters), and the
dashboard, the API and the CLI render it in their reader's language. docs/i18n.md says how to
add a message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypedDict

from babel import Locale, negotiate_locale
from babel.core import LOCALE_ALIASES
from babel.dates import format_date, format_datetime
from babel.messages.mofile import read_mo
from babel.numbers import format_currency, format_decimal, format_percent

LANGS = ("zh-CN", "en")  # the languages seedtrail is written in; the first is the default
DEFAULT = "zh-CN"
DOMAIN = "messages"
_CANONICAL = {lang.lower(): lang for lang in LANGS}
# Babel's aliases map a bare language to its usual locale; it has none for Chinese.
ALIASES = {**LOCALE_ALIASES, "zh": "zh_CN"}


class MsgJSON(TypedDict):
    """A message as JSON (API bodies, audit details, stored health): its key and parameters."""

    code: str
    params: dict[str, object]


@dataclass(frozen=True)
class Msg:
    """A message for people: a catalogue key and its parameters (plain JSON values)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> MsgJSON:
        return {"code": self.code, "params": {k: _plain(v) for k, v in self.params.items()}}

    def render(self, lang: str) -> str:
        return translate(lang, self.code, **self.params)

    @property
    def english(self) -> str:
        """The English text, for logs and for readers that ask for no language."""
        return self.render("en")


def N_(key: str) -> str:
    """Marks a key that code builds at run time (``"state." + status``) so extraction finds it."""
    return key


def term(family: str, value: object) -> Msg:
    """A word from a family of keys, as a parameter (``term("state", "removed")``); every key of
    the family must be marked with :func:`N_` where the family's values are defined."""
    key = f"{family}.{value}"
    return Msg(key)


def _is_msg(value: Any) -> bool:
    return isinstance(value, Msg) or (
        isinstance(value, Mapping) and isinstance(value.get("code"), str)
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Msg):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _field(lang: str, name: str, value: Any) -> Any:
    """A parameter as shown: a message in ``lang``; a list of messages joined the locale's way
    (key ``list.separator.<name>`` if the catalogue has one, else ``list.separator``)."""
    if _is_msg(value):
        return render(lang, value)
    if isinstance(value, list | tuple) and value and all(_is_msg(v) for v in value):
        sep = f"list.separator.{name}"
        sep = sep if has(lang, sep) else N_("list.separator")
        return translate(lang, sep).join(render(lang, v) for v in value)
    return value


def compact(value: Any, limit: int = 160) -> str:
    """JSON for people (a list or object in a table cell): readable Chinese, cut to ``limit``
    characters."""
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def locale(lang: str) -> Locale:
    return Locale.parse(lang, sep="-")


def catalogue_path(lang: str, suffix: str = "mo") -> Traversable:
    """Where the catalogue of ``lang`` lives in the package (``suffix`` "po" for the source)."""
    return resources.files("seedtrail").joinpath(
        f"locales/{lang.replace('-', '_')}/LC_MESSAGES/{DOMAIN}.{suffix}"
    )


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of ``lang`` (one of :data:`LANGS`) and its text, from the compiled catalogue."""
    with catalogue_path(lang).open("rb") as f:
        compiled = read_mo(f)
    return {str(m.id): str(m.string) for m in compiled if m.id and m.string}


def has(lang: str, key: str) -> bool:
    return key in catalogue(lang)


def word(lang: str, family: str, value: object) -> str:
    """``value`` as a word of ``family`` (``category.outdoor`` → 户外), or as written when the
    family has no key for it (a category or detector named by hand)."""
    key = f"{family}.{value}"
    return translate(lang, key) if has(lang, key) else str(value)


def translate(lang: str, key: str, /, **fields: object) -> str:
    """The text of ``key`` in ``lang`` (the default language's, then the key, if missing)."""
    msg = catalogue(lang).get(key) or catalogue(DEFAULT).get(key) or key
    return msg.format(**{k: _field(lang, k, v) for k, v in fields.items()}) if fields else msg


def render(lang: str, value: Any) -> str:
    """A message as text: a :class:`Msg`, a ``{"code", "params"}`` dict, or text as it is."""
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        params = value.get("params") or {}
        return translate(lang, value["code"], **params)
    return "" if value is None else str(value)


def preferred(accept_language: str | None) -> list[str]:
    """The tags of an Accept-Language header, best first; each followed by its language alone
    (``zh-TW`` then ``zh``) so Babel's aliases can map a region we lack to one we have."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag))
    out: list[str] = []
    for _, _, tag in sorted(ranked):
        out += [tag, tag.split("-")[0]]
    return out


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """The best of :data:`LANGS` for an Accept-Language header (Babel's negotiation)."""
    found = negotiate_locale(preferred(accept_language), list(LANGS), sep="-", aliases=ALIASES)
    return _CANONICAL.get(found.lower(), default) if found else default


def from_environment(default: str = "en") -> str:
    """The language of a terminal: LC_ALL, LC_MESSAGES, LANG (``zh_CN.UTF-8`` → ``zh-CN``)."""
    for name in ("SEEDTRAIL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0].split("@")[0]
        if value and value not in ("C", "POSIX"):
            return negotiate(value.replace("_", "-"), default)
    return default


# --- formats ---------------------------------------------------------------------------------


def number(lang: str, value: float | Decimal | None, digits: int = 0) -> str:
    """A number with the locale's grouping, ``digits`` decimals; a dash for nothing."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def money(lang: str, value: float | Decimal | None, currency: str = "CNY") -> str:
    """An amount of money: ``¥1,234.50`` in Chinese, ``CN¥1,234.50`` in English."""
    if value is None:
        return "—"
    return format_currency(value, currency, locale=locale(lang))


def percent(lang: str, value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=locale(lang))


def when(lang: str, value: Any) -> str:
    """A time for people in the locale's medium format, in UTC: epoch seconds, a datetime or a
    date; ISO text is parsed when it can be, else shown as given; nothing is a dash."""
    if value in (None, ""):
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return format_datetime(aware, "medium", tzinfo=UTC, locale=locale(lang))
    if isinstance(value, date):
        return format_date(value, "medium", locale=locale(lang))
    return str(value)

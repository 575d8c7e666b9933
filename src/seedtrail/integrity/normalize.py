"""Text normalization for Chinese user text, keeping a map back to the original characters.

The normal form folds what abusers use to hide contact details from keyword filters:

- full-width and mathematical letters and digits, circled and parenthesised digits (NFKC, and
  ``unicodedata.digit`` for the dingbat digits NFKC leaves alone, such as ❶ and ➊);
- zero-width and formatting characters (removed);
- traditional characters (converted to simplified with OpenCC, character by character so that
  every output character still points at one input character);
- Latin look-alikes from Cyrillic and Greek (``ѵх`` → ``vx``);
- upper case (folded to lower case), and Latin letters with marks (pinyin tones: ``wēixìn``).

Chinese numerals are *not* rewritten here: ``一`` is a digit only inside a run of digits, which
:mod:`seedtrail.integrity.diversion` decides. Each normalized character keeps the index of the
original character it came from, so a finding's span can be reported in the original text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Zero-width and invisible formatting characters that abusers insert between digits.
_INVISIBLE = frozenset(
    [
        *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2070),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)

# Cyrillic and Greek letters that render like Latin ones (a subset of Unicode confusables).
_LOOKALIKE = {
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y",
    "ѵ": "v", "ԝ": "w", "х": "x", "ү": "y", "ɡ": "g", "ı": "i", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "c",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text and, for each of its characters, the index of the source character.

    ``origin`` is ``None`` when the mapping is the identity (the common case), which saves
    building a list for every clean comment.
    """

    text: str
    source: str
    origin: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The half-open span of the original text that normalized ``[start, end)`` came from."""
        if self.origin is None:
            return (start, end)
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else len(self.source)
            return (at, at)
        return (self.origin[start], self.origin[end - 1] + 1)


class Normalizer:
    """Folds text to the normal form; caches per-character results, so one instance is reused.

    Not thread-safe in the sense of sharing the cache without a lock, but the cache only grows
    with deterministic values, so a race costs a recomputation and nothing else.
    """

    def __init__(self) -> None:
        self._table: dict[int, str] = {}
        self._known: set[str] = set()
        self._changing: set[str] = set()  # characters that delete or expand (break identity)
        self._t2s = _opencc_t2s()

    def _learn(self, chars: set[str]) -> None:
        for ch in chars:
            out = self._fold(ch)
            self._table[ord(ch)] = out
            if len(out) != 1:
                self._changing.add(ch)
        self._known |= chars

    def _fold(self, ch: str) -> str:
        cp = ord(ch)
        if cp in _INVISIBLE or unicodedata.category(ch) == "Cf":
            return ""
        if cp < 0x80:
            return ch.lower()
        look = _LOOKALIKE.get(ch) or _LOOKALIKE.get(ch.lower())
        if look:
            return look
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            return str(digit)
        out = unicodedata.normalize("NFKC", ch)
        if len(out) == 1 and "\u00c0" <= out <= "\u024f":  # Latin with a mark: pinyin tones
            bare = "".join(
                c for c in unicodedata.normalize("NFD", out) if not unicodedata.combining(c)
            )
            out = bare if len(bare) == 1 and bare.isascii() else out
        if len(out) == 1 and "\u3400" <= out <= "\u9fff":
            simple = self._t2s(out)
            if len(simple) == 1:
                out = simple
        return "".join(_LOOKALIKE.get(c, c) for c in out.lower())

    def fold_many(self, texts: Sequence[str]) -> list[str]:
        """``self(t).text`` for every text, folded in one pass over the joined batch (no spans)."""
        sep = "\x00"
        joined = sep.join(texts)
        unseen = (set(joined) | {sep}) - self._known
        if unseen:
            self._learn(unseen)
        folded = joined.translate(self._table)
        if self._table[ord(sep)] != sep or folded.count(sep) != max(0, len(texts) - 1):
            return [self(t).text for t in texts]  # a text holds the separator: one at a time
        return folded.split(sep) if texts else []

    def __call__(self, text: str) -> Normalized:
        chars = set(text)
        unseen = chars - self._known
        if unseen:
            self._learn(unseen)
        folded = text.translate(self._table)
        if not (chars & self._changing):
            return Normalized(folded, text, None)
        origin: list[int] = []
        table = self._table
        for i, ch in enumerate(text):
            origin.extend([i] * len(table[ord(ch)]))
        return Normalized(folded, text, tuple(origin))


@lru_cache(maxsize=1)
def _opencc_t2s() -> _Converter:
    import opencc

    return _Converter(opencc.OpenCC("t2s").convert)


class _Converter:
    def __init__(self, convert: object) -> None:
        self._convert = convert

    def __call__(self, text: str) -> str:
        out = self._convert(text)  # type: ignore[operator]
        return str(out)


def normalize(text: str) -> Normalized:
    """Normalize one text with a shared cached :class:`Normalizer` (see its docs)."""
    return _shared()(text)


@lru_cache(maxsize=1)
def _shared() -> Normalizer:
    return Normalizer()


_SQUEEZE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "So", "Sk", "Cc", "Mn", "Me", "Co", "Cn"})
_SQUEEZE_EXTRA = frozenset("·、~～•◦")


def _dropped(ch: str) -> bool:
    return unicodedata.category(ch) in _SQUEEZE_CATEGORIES or ch in _SQUEEZE_EXTRA


@lru_cache(maxsize=1)
def squeezed_out() -> np.ndarray:
    """For every code point: does :class:`Squeezer` drop it? (for vectorized squeezing)"""
    table = np.fromiter((_dropped(chr(cp)) for cp in range(0x110000)), bool, 0x110000)
    table.flags.writeable = False
    return table


class Squeezer:
    """Drops spaces, emoji and other symbols from normalized text (keeping the map to the source).

    Runs of digits or letters split by emoji or spaces (``1😀3😀8``, ``私 信 我``) become contiguous
    in the squeezed view. ASCII punctuation is kept, because links and ids need it.
    """

    def __init__(self) -> None:
        self._drop: set[str] = set()
        self._known: set[str] = set()

    def __call__(self, norm: Normalized) -> Normalized:
        chars = set(norm.text)
        unseen = chars - self._known
        if unseen:
            self._drop |= {ch for ch in unseen if _dropped(ch)}
            self._known |= unseen
        if not (chars & self._drop):
            return norm
        drop = self._drop
        keep = [i for i, ch in enumerate(norm.text) if ch not in drop]
        text = "".join(norm.text[i] for i in keep)
        origin = tuple(norm.origin[i] for i in keep) if norm.origin is not None else tuple(keep)
        return Normalized(text, norm.source, origin)

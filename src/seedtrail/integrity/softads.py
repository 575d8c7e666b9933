"""Unregistered soft ads: a note promoting a brand with no collab registration.

A note is a soft ad when it mentions a known brand (names from the store or the world, passed in)
and carries promotional signals — promotional language, a link, or a discount-code-like token
(``[softad]`` in ``data/claims.toml``) — and no active collab registration covers it. Findings:
``brand`` (the brand mentioned) and ``promo`` (each signal). Links are the diversion detector's
job and are counted here when it found any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seedtrail.core.errors import ConfigError
from seedtrail.integrity.findings import Finding
from seedtrail.integrity.normalize import Normalized, Normalizer
from seedtrail.integrity.prefilter import Prefilter
from seedtrail.integrity.terms import load_terms, string_list
from seedtrail.messages import Msg

if TYPE_CHECKING:
    import pyarrow as pa


class SoftAdDetector:
    def __init__(
        self,
        brands: Iterable[str] = (),
        terms_path: Path | None = None,
        *,
        normalizer: Normalizer | None = None,
    ) -> None:
        terms = load_terms("claims", terms_path)
        where = str(terms_path or "packaged claims.toml")
        self._normalize = normalizer or Normalizer()
        names = sorted(
            {self._normalize(b).text for b in brands if b.strip()}, key=len, reverse=True
        )
        self._brand = re.compile("|".join(map(re.escape, names))) if names else None
        try:
            self._promo = re.compile(
                "|".join(f"(?:{p})" for p in string_list(terms, "softad", "promo", where))
                or r"(?!x)x"
            )
            self._code = re.compile(
                "|".join(f"(?:{p})" for p in string_list(terms, "softad", "code", where))
                or r"(?!x)x"
            )
        except re.error as exc:
            raise ConfigError(
                Msg("problem.config-error.softad_pattern", {"where": where, "error": str(exc)})
            ) from exc
        self._min = int(terms.get("softad", {}).get("min_signals", 1))
        self._prefilter = Prefilter([self._brand]) if self._brand is not None else None

    def candidates(self, folded: pa.Array) -> np.ndarray:
        """Which notes (in normal form) may be soft ads: they may name a brand (a necessary
        condition for :meth:`find`, checked with RE2 over the batch)."""
        if self._prefilter is None:
            return np.zeros(len(folded), dtype=bool)
        return self._prefilter.possible(folded)

    def find(
        self,
        text: str,
        *,
        registered: bool = False,
        links: int = 0,
        norm: Normalized | None = None,
    ) -> list[Finding]:
        """Soft-ad findings in a note's text; none when a collab is ``registered`` for it."""
        if registered or self._brand is None:
            return []
        norm = norm or self._normalize(text)
        brands = [
            Finding("brand", m.group(), norm.span(*m.span()))
            for m in self._brand.finditer(norm.text)
        ]
        if not brands:
            return []
        signals = [
            Finding("promo", m.group(), norm.span(*m.span()))
            for m in self._promo.finditer(norm.text)
        ]
        signals += [
            Finding("code", m.group(), norm.span(*m.span())) for m in self._code.finditer(norm.text)
        ]
        if len(signals) + links < self._min:
            return []
        return sorted([*brands, *signals], key=lambda f: f.span)

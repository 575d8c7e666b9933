"""Claims in regulated categories (medical beauty, health food, cosmetics efficacy).

Term lists live in ``data/claims.toml`` (table ``[claims]``: one list of patterns per category);
a user's own file with the same table replaces them. Each match is a finding of kind ``claim``
whose value is ``category:matched text``.
"""

from __future__ import annotations

import re
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


class ClaimDetector:
    def __init__(self, terms_path: Path | None = None, *, normalizer: Normalizer | None = None):
        terms = load_terms("claims", terms_path)
        where = str(terms_path or "packaged claims.toml")
        categories = sorted(terms.get("claims", {}))
        if not categories:
            raise ConfigError(Msg("problem.config-error.claims_table", {"where": where}))
        self._normalize = normalizer or Normalizer()
        parts = []
        for cat in categories:
            if not re.fullmatch(r"[a-z_]+", cat):
                raise ConfigError(
                    Msg("problem.config-error.claims_category", {"where": where, "name": repr(cat)})
                )
            pats = string_list(terms, "claims", cat, where)
            if pats:
                parts.append(f"(?P<{cat}>{'|'.join(f'(?:{p})' for p in pats)})")
        try:
            self._pattern = re.compile("|".join(parts) or r"(?!x)x")
        except re.error as exc:
            raise ConfigError(
                Msg("problem.config-error.claims_pattern", {"where": where, "error": str(exc)})
            ) from exc
        self._prefilter = Prefilter([self._pattern])

    def candidates(self, folded: pa.Array) -> np.ndarray:
        """Which texts (in normal form) may hold a claim: a necessary condition for :meth:`find`."""
        return self._prefilter.possible(folded)

    def find(self, text: str, norm: Normalized | None = None) -> list[Finding]:
        norm = norm or self._normalize(text)
        out = []
        for m in self._pattern.finditer(norm.text):
            cat = m.lastgroup or "claim"
            out.append(Finding("claim", f"{cat}:{m.group()}", norm.span(*m.span())))
        return out

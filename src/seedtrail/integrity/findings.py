"""What a detector reports: a kind, a normalized value and a span in the original text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of evidence in one text.

    ``kind`` is the detector's own name for it (``wechat``, ``qq``, ``phone``, ``link``, ``shop``,
    ``steer``, ``claim``, ``brand``, ...); ``value`` the normalized value (``13812345678``,
    ``abc_123``, ``t.cn``); ``span`` the half-open character range ``[start, end)`` in the
    *original* text (characters, not bytes).
    """

    kind: str
    value: str
    span: tuple[int, int]

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "value": self.value, "span": list(self.span)}

"""Threshold suppression with complementary suppression, shared by matching reports and releases.

Given sibling cells that add up to a released parent, cells under the threshold are hidden and
their sum is shown as "other". If "other" would itself fall under the threshold (one hidden cell,
or a few tiny ones), the smallest shown cells join it until it does not, or until every sibling is
hidden; then no shown number can be subtracted from the parent to reveal a small cell.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def suppressed_keys(
    sizes: Mapping[K, int],
    threshold: int,
    union_size: Callable[[set[K]], int] | None = None,
) -> set[K]:
    """Keys to hide among siblings. ``union_size`` counts people in a set of cells (defaults to
    the sum of sizes, right when cells are disjoint)."""
    count = union_size or (lambda keys: sum(sizes[k] for k in keys))
    hidden = {k for k, size in sizes.items() if size < threshold}
    shown = sorted((k for k in sizes if k not in hidden), key=lambda k: (sizes[k], str(k)))
    while hidden and shown and count(hidden) < threshold:
        hidden.add(shown.pop(0))
    return hidden

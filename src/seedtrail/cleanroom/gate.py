"""The clean room's k rule applied to report rows a brand or creator reads through the API.

Attribution figures join community touches with shop conversions, so a brand or a creator sees
them only as the clean room releases them: a row (a campaign, a note) is shown only when it
reached at least k people (``people``: distinct viewers); the rows under k are withheld and summed
into one ``other`` row, and when ``other`` itself would cover fewer than k people the smallest
shown rows join it (so no shown figure minus the others gives away a small one). If everything
together covers fewer than k people, nothing is shown. Operators, who hold both sides' data
anyway, read the rows as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

#: A report row: a JSON object whose ``people`` is its reach.
Row = TypeVar("Row", bound=Mapping[str, object])
#: The ``other`` row: the withheld rows' sums.
Other = dict[str, object]
#: Rates and ratios: summing them means nothing, so ``other`` leaves them out.
NOT_ADDITIVE = frozenset(
    {"sample_rate", "cost_per_read", "cost_per_click", "cost_per_purchase", "roas"}
)


def _people(row: Mapping[str, object]) -> int:
    people = row.get("people") or 0
    return int(people) if isinstance(people, int | float) else int(str(people))


def _sum(total: object, value: int | float) -> int | float:
    return (total if isinstance(total, int | float) else 0) + value


def _add(total: Other, row: Mapping[str, object]) -> None:
    for name, value in row.items():
        if name == "key":
            continue
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            total[name] = _sum(total.get(name), value)
        elif isinstance(value, dict):
            inner = total.setdefault(name, {})
            assert isinstance(inner, dict)
            for sub, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    inner[sub] = _sum(inner.get(sub), v)


def release_rows(rows: Sequence[Row], k: int) -> tuple[list[Row], Other | None]:
    """The rows a non-operator may see, and the ``other`` row of what was withheld (or None).

    ``other`` carries sums only (a distinct count cannot be summed: its ``people`` is the sum of
    the withheld rows' reach, an upper bound) and the number of rows it holds."""
    shown = sorted((r for r in rows if _people(r) >= k), key=_people)
    hidden = [r for r in rows if _people(r) < k]
    if hidden:
        while shown and sum(_people(r) for r in hidden) < k:
            hidden.append(shown.pop(0))
    if hidden and sum(_people(r) for r in hidden) < k:
        return [], None
    other: Other | None = None
    if hidden:
        other = {"key": "other", "rows": len(hidden)}
        for row in hidden:
            _add(other, {n: v for n, v in row.items() if n not in NOT_ADDITIVE})
        for value in other.values():  # intervals and rates do not add up: drop them
            if isinstance(value, dict):
                value.pop("ci95", None)
        other.pop("sample_rate", None)
    keep = {id(r) for r in shown}
    return [r for r in rows if id(r) in keep], other


def release_one(row: Row | None, k: int) -> Row | None:
    """A single row (a campaign's total, one note): shown only when it reached k people."""
    if row is None or _people(row) < k:
        return None
    return row

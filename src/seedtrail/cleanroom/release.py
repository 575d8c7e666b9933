"""Release rules: turn finest cells into the released cells of a report.

k-mode (default): walk the template's hierarchy from the campaign total down. Among siblings,
cells covering fewer than k people are hidden and summed into an ``other`` sibling, with
complementary suppression (``suppression.suppressed_keys``) so that ``other`` itself covers at
least k people; ``other`` is never broken down. Every released parent's sums equal the sums of its
released children plus ``other``, so note → creator → campaign totals add up exactly. If the
campaign total covers fewer than k people, nothing is released.

DP-mode lives in ``noise``; both produce a :class:`Release`, the only thing exports accept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from seedtrail.cleanroom.cells import Cell, Key
from seedtrail.cleanroom.suppression import suppressed_keys
from seedtrail.cleanroom.templates import ReportRequest, ReportTemplate

OTHER = "other"


@dataclass(frozen=True)
class ReleasedCell:
    key: Key  # values per level down to this cell's depth; "other" for a roll-up
    people: float  # distinct people (k-mode) or a noisy count (DP)
    sums: dict[str, float]


@dataclass(frozen=True)
class Release:
    """Released cells of one report and the rule that released them."""

    spec: ReportTemplate
    request: ReportRequest
    cells: tuple[ReleasedCell, ...]
    rule: dict[str, object]  # {"mode": "k", "k": 50} or {"mode": "dp", "epsilon": ..., ...}
    #: Names this release in the budget ledger, the release archive and the audit log.
    release_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_arrow(self, spend: dict[Key, float] | None = None) -> pa.Table:
        levels = self.spec.levels
        columns: dict[str, list[Any]] = {"level": []}
        columns.update({lv: [] for lv in levels})
        columns["people"] = []
        columns.update({m.name: [] for m in self.spec.measures})
        columns.update({r.name: [] for r in self.spec.ratios})
        for cell in self.cells:
            depth = len(cell.key)
            columns["level"].append(levels[depth - 1] if depth else "campaign")
            for i, lv in enumerate(levels):
                columns[lv].append(cell.key[i] if i < depth else None)
            columns["people"].append(cell.people)
            for m in self.spec.measures:
                columns[m.name].append(cell.sums.get(m.name, 0.0))
            for r in self.spec.ratios:
                columns[r.name].append(_ratio(cell, r.numerator, r.denominator, spend))
        schema = pa.schema(
            [("level", pa.string())]
            + [(lv, pa.string()) for lv in levels]
            + [("people", pa.float64())]
            + [(m.name, pa.float64()) for m in self.spec.measures]
            + [(r.name, pa.float64()) for r in self.spec.ratios]
        )
        return pa.table(columns, schema=schema)


def _ratio(
    cell: ReleasedCell, numerator: str, denominator: str, spend: dict[Key, float] | None
) -> float | None:
    if denominator == "people":
        den = cell.people
    elif denominator == "spend":
        den = (spend or {}).get(cell.key, 0.0)
    else:
        den = cell.sums.get(denominator, 0.0)
    return round(cell.sums.get(numerator, 0.0) / den, 6) if den > 0 else None


def release_k(
    finest: dict[Key, Cell], spec: ReportTemplate, request: ReportRequest, k: int
) -> Release:
    """Apply the k-threshold with roll-ups into ``other`` (see module doc)."""
    out: list[ReleasedCell] = []
    total = _merge(finest.values())
    if len(total.people) >= k:
        out.append(_released((), total))
        if spec.all_or_nothing:
            children = _children(finest, (), 0)
            if all(len(c.people) >= k for c in children.values()) and len(children) > 1:
                out.extend(_released((name,), cell) for name, cell in sorted(children.items()))
        else:
            _descend(finest, (), 0, len(spec.levels), k, out)
    return Release(spec, request, tuple(out), {"mode": "k", "k": k})


def _descend(
    finest: dict[Key, Cell],
    prefix: Key,
    depth: int,
    depth_max: int,
    k: int,
    out: list[ReleasedCell],
) -> None:
    if depth >= depth_max:
        return
    children = _children(finest, prefix, depth)

    def union_size(names: set[str]) -> int:
        return len(set().union(*(children[n].people for n in names)))

    hidden = suppressed_keys({n: len(c.people) for n, c in children.items()}, k, union_size)
    for name in sorted(n for n in children if n not in hidden):
        out.append(_released((*prefix, name), children[name]))
        _descend(finest, (*prefix, name), depth + 1, depth_max, k, out)
    if hidden:
        out.append(_released((*prefix, OTHER), _merge(children[n] for n in hidden)))


def _children(finest: dict[Key, Cell], prefix: Key, depth: int) -> dict[str, Cell]:
    children: dict[str, Cell] = {}
    for key, cell in finest.items():
        if key[:depth] == prefix:
            children.setdefault(key[depth], Cell()).add(cell)
    return children


def _merge(cells: Any) -> Cell:
    merged = Cell()
    for cell in cells:
        merged.add(cell)
    return merged


def _released(key: Key, cell: Cell) -> ReleasedCell:
    return ReleasedCell(key, float(len(cell.people)), dict(cell.sums))


def spend_by_cell(release: Release, finest_spend: dict[Key, float]) -> dict[Key, float]:
    """The brand's own spend per released cell (spend is the brand's data, not people's).

    Each finest cell's spend goes to the released cell that shows it: itself, or the nearest
    ``other`` above it. Every other released cell sums the spend of the cells under it, so ROAS
    numerators and denominators cover the same notes in k-mode and DP mode alike."""
    keys = {c.key for c in release.cells}
    shown: dict[Key, float] = {}
    for key, value in finest_spend.items():
        target: Key | None = key if key in keys else None
        prefix = key[:-1]
        while target is None:
            if (*prefix, OTHER) in keys:
                target = (*prefix, OTHER)
            elif not prefix:
                break
            prefix = prefix[:-1]
        if target is not None:
            shown[target] = shown.get(target, 0.0) + value
    out: dict[Key, float] = {}
    for key in keys:
        if key in shown or key[-1:] == (OTHER,):
            out[key] = shown.get(key, 0.0)
        else:
            out[key] = sum(v for k, v in shown.items() if k[: len(key)] == key and k != key)
    return out

"""Tables that sort and page on the server: ``?<name>.sort=col&<name>.dir=desc&<name>.page=2``.

A page may hold several tables; each reads and writes only its own query parameters, and keeps
the others in its links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from seedtrail.attribution import metrics

PER_PAGE = 20


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    digits: int | None = None  # decimals shown; None: 2 when any row has a fraction, else 0
    term: str | None = None  # a family of keys: a stored value is shown as ``t(term.value)``
    user_text: bool = False  # what people wrote (a rule's name): shown as written, in any language
    api: str | None = None  # where the cell's figure is in its row of the API answer (gmv/scaled)
    when: bool = False  # a time: shown in the page's language, sorted as stored
    percent: bool = False  # a share (0.5): shown as a percentage (50%), sorted as stored


@dataclass(frozen=True)
class Source:
    """Where a table's figures come from in the API: ``path`` (the route, formatted with each
    row) and ``row`` (the row in its answer, ``notes/[key={key}]``); the cells carry them as
    ``data-source``/``data-path`` so a test can check each figure shown against the API."""

    path: str
    row: str


@dataclass
class Table:
    name: str
    columns: Sequence[Column]
    rows: list[Mapping[str, object]]
    sort: str | None
    desc: bool
    page: int
    pages: int
    total: int
    params: dict[str, str] = field(default_factory=dict)
    empty: str = ""
    source: Source | None = None
    digits: dict[str, int] = field(default_factory=dict)  # decimals per numeric column

    def row_source(self, row: Mapping[str, object]) -> str:
        """The API path a row's figures come from (``data-source`` on its ``<tr>``)."""
        return self.source.path.format(**row) if self.source else ""

    def cell_path(self, row: Mapping[str, object], column: Column) -> str:
        """Where a cell's figure is in the API answer (``data-path``); empty when it is not."""
        if self.source is None or column.api is None:
            return ""
        return f"{self.source.row.format(**row)}/{column.api}"

    def link(self, **changes: Any) -> str:
        q = dict(self.params)
        for k, v in changes.items():
            q[f"{self.name}.{k}"] = str(v)
        return "?" + urlencode(q)

    def sort_link(self, key: str) -> str:
        desc = not self.desc if key == self.sort else True
        return self.link(sort=key, dir="desc" if desc else "asc", page=1)


def figure(key: str, label: str, metric: str | None = None, *, api: str | None = None) -> Column:
    """A numeric column of a registered figure (``metric``, else ``key``), shown to the metric
    registry's decimals, as every page and export shows that figure."""
    return Column(key, label, True, metrics.get(metric or key).digits, api=api)


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value))


def _fraction(value: object) -> bool:
    return isinstance(value, float) and value != round(value)


def column_digits(
    columns: Sequence[Column], rows: Sequence[Mapping[str, object]]
) -> dict[str, int]:
    """Decimals per numeric column, one for the whole column (``0.50`` above ``1.00``, never
    ``0.50`` above ``1``): its own, else 2 when any row holds a fraction, else 0."""
    return {
        c.key: c.digits
        if c.digits is not None
        else (2 if any(_fraction(r.get(c.key)) for r in rows) else 0)
        for c in columns
        if c.numeric
    }


def build(
    name: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, object]],
    query: Mapping[str, str],
    *,
    default_sort: str | None = None,
    default_desc: bool = True,
    per_page: int = PER_PAGE,
    empty: str = "",
    source: Source | None = None,
) -> Table:
    keys = {c.key for c in columns}
    sort = query.get(f"{name}.sort", default_sort)
    if sort not in keys:
        sort = default_sort
    desc = query.get(f"{name}.dir", "desc" if default_desc else "asc") != "asc"
    ordered = list(rows)
    if sort:
        ordered.sort(key=lambda r: _key(r.get(sort)), reverse=desc)
    pages = max(1, -(-len(ordered) // per_page))
    try:
        page = min(max(1, int(query.get(f"{name}.page", "1"))), pages)
    except ValueError:
        page = 1
    shown = ordered[(page - 1) * per_page : page * per_page]
    params = {k: v for k, v in query.items()}
    digits = column_digits(columns, ordered)
    return Table(
        name, columns, shown, sort, desc, page, pages, len(ordered), params, empty, source, digits
    )

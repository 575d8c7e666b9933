from __future__ import annotations

from urllib.parse import parse_qs

from seedtrail.web import tables
from seedtrail.web.tables import Column, build

COLS = [Column("id", "ID", True), Column("name", "Name")]
ROWS = [{"id": i, "name": f"n{i % 7}"} for i in range(1, 46)]


def test_sorts_pages_and_keeps_other_tables_parameters() -> None:
    q = {"t.sort": "id", "t.dir": "asc", "t.page": "3", "other.page": "2"}
    tb = build("t", COLS, ROWS, q, per_page=20)
    assert (tb.page, tb.pages, tb.total) == (3, 3, 45)
    assert [r["id"] for r in tb.rows] == [41, 42, 43, 44, 45]
    link = parse_qs(tb.sort_link("id")[1:])
    assert link["t.dir"] == ["desc"] and link["t.page"] == ["1"] and link["other.page"] == ["2"]


def test_bad_parameters_fall_back_instead_of_failing() -> None:
    tb = build("t", COLS, ROWS, {"t.sort": "secret", "t.page": "x"}, default_sort="name")
    assert tb.sort == "name" and tb.page == 1
    assert build("t", COLS, ROWS, {"t.page": "99"}).page == 3


def test_none_sorts_below_values() -> None:
    rows = [{"id": None, "name": "a"}, {"id": 2, "name": "b"}, {"id": 1, "name": "c"}]
    tb = build("t", COLS, rows, {"t.sort": "id", "t.dir": "desc"})
    assert [r["id"] for r in tb.rows] == [2, 1, None]


def test_a_numeric_column_has_one_number_of_decimals() -> None:
    """A declared sample rate read ``0.50`` above ``1``, a funder's GMV ``0`` beside ``1.44``:
    a column's decimals were chosen cell by cell."""
    cols = [
        Column("rate", "rate", True),
        Column("count", "n", True),
        Column("gmv", "gmv", True, 2),
    ]
    rows = [{"rate": 0.5, "count": 3, "gmv": 0.0}, {"rate": 1.0, "count": 4, "gmv": 156.0}]
    t = tables.build("t", cols, rows, {}, per_page=1)
    assert t.digits == {"rate": 2, "count": 0, "gmv": 2}  # over every page, not the one shown
    assert tables.column_digits(cols, [{"rate": 1.0}, {"rate": None}])["rate"] == 0

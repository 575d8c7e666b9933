from __future__ import annotations

from urllib.parse import parse_qs

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

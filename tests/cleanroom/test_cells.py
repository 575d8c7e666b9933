"""What one person can change in a released cell: at most ``clamp × max_rows_per_person`` per
measure, whatever their orders and however many rows they bring (docs/cleanroom.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest
from cleanroom_helpers import PERIOD, funnel_rows

from seedtrail.cleanroom.cells import finest_cells
from seedtrail.cleanroom.release import Release
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import TEMPLATES, Measure, ReportRequest, ReportTemplate
from seedtrail.core.errors import InvalidInput

SPEC = TEMPLATES["funnel_by_note"]
REQUEST = ReportRequest("funnel_by_note", "brand-x", 1, PERIOD)
CAP = SPEC.max_rows_per_person
CLAMP = {m.name: m.clamp for m in SPEC.measures}
BASE = {("c1", "n1"): 200, ("c1", "n2"): 150, ("c2", "n3"): 120}


def one_person(rows: int, notes: list[tuple[str, str]], value: float) -> pa.Table:
    """``rows`` rows of one person, spread over ``notes``, every measure set to ``value``."""
    cols: dict[str, list[object]] = {
        "person": ["whale"] * rows,
        "campaign_id": [1] * rows,
        "creator_id": [notes[i % len(notes)][0] for i in range(rows)],
        "note_id": [notes[i % len(notes)][1] for i in range(rows)],
        "day": [PERIOD + timedelta(days=i % 7) for i in range(rows)],
        "group": ["exposed"] * rows,
    }
    for name in CLAMP:
        cols[name] = [value] * rows
    return pa.table(cols)


def released(rows: pa.Table) -> dict[tuple[object, ...], dict[str, float]]:
    release: Release = run_report(rows, REQUEST, ReleasePolicy(k=50))
    return {cell.key: {"people": cell.people, **cell.sums} for cell in release.cells}


def with_person(person: pa.Table) -> pa.Table:
    """The base rows plus ``person``'s, measures as doubles."""
    base = funnel_rows(BASE)
    schema = pa.schema(
        pa.field(f.name, pa.float64()) if f.name in CLAMP else f for f in base.schema
    )
    return pa.concat_tables([base.cast(schema), person.select(schema.names).cast(schema)])


def test_one_huge_person_moves_a_released_cell_by_at_most_clamp_times_rows_cap() -> None:
    notes = [("c1", "n1"), ("c1", "n2"), ("c2", "n3")]
    before = released(funnel_rows(BASE))
    after = released(with_person(one_person(60, notes, 1e9)))
    assert before.keys() == after.keys()
    for key, cell in after.items():
        assert cell["people"] - before[key]["people"] in (0.0, 1.0), key
        for name, clamp in CLAMP.items():
            moved = cell[name] - before[key][name]
            assert 0 <= moved <= clamp * CAP, (key, name, moved)
    # Every row of the person is over the clamp, so the cap's rows add exactly clamp × cap to
    # the campaign total: the bound is reached, not just respected.
    for name, clamp in CLAMP.items():
        assert after[()][name] - before[()][name] == pytest.approx(clamp * CAP), name
    assert after[()]["people"] == before[()]["people"] + 1


def test_the_rows_cap_holds_within_one_cell() -> None:
    """60 rows in one note: still only ``CAP`` of them count."""
    before = released(funnel_rows(BASE))
    after = released(with_person(one_person(60, [("c1", "n1")], 1e9)))
    for name, clamp in CLAMP.items():
        assert after[("c1", "n1")][name] - before[("c1", "n1")][name] == pytest.approx(clamp * CAP)
        assert after[("c2", "n3")][name] == before[("c2", "n3")][name]


def test_values_under_the_clamp_count_in_full_and_negatives_count_as_zero() -> None:
    small = released(with_person(one_person(2, [("c2", "n3")], 1.5)))
    negative = released(with_person(one_person(3, [("c2", "n3")], -1e9)))
    before = released(funnel_rows(BASE))
    for name in CLAMP:
        assert small[("c2", "n3")][name] - before[("c2", "n3")][name] == pytest.approx(3.0)
        assert negative[("c2", "n3")][name] == before[("c2", "n3")][name]
    assert negative[("c2", "n3")]["people"] == before[("c2", "n3")]["people"] + 1


def test_missing_measures_count_as_zero_and_the_kept_rows_are_stable() -> None:
    person = one_person(9, [("c1", "n1"), ("c1", "n2")], 7.0)
    rows = with_person(person)
    gmv = rows.column("gmv").to_pylist()
    gmv[-1] = None  # a row without a value counts as 0, not as a failure
    rows = rows.set_column(rows.column_names.index("gmv"), "gmv", pa.array(gmv, pa.float64()))
    first = finest_cells(rows, SPEC, REQUEST)
    again = finest_cells(rows.take(list(reversed(range(rows.num_rows)))), SPEC, REQUEST)
    assert {k: c.sums for k, c in first.items()} == {k: c.sums for k, c in again.items()}
    whale_cells = [k for k, c in first.items() if "whale" in c.people]
    assert whale_cells  # the person is counted somewhere


def test_rows_outside_the_campaign_or_period_are_ignored() -> None:
    base = funnel_rows({("c1", "n1"): 3})
    other_campaign = funnel_rows({("c1", "n1"): 5}, campaign=2, offset=100)
    late = funnel_rows({("c1", "n1"): 4}, offset=200)
    late = late.set_column(
        late.column_names.index("day"),
        "day",
        pa.array([PERIOD + timedelta(days=7)] * late.num_rows),
    )
    early = late.set_column(
        late.column_names.index("day"),
        "day",
        pa.array([PERIOD - timedelta(days=1)] * late.num_rows),
    )
    cells = finest_cells(pa.concat_tables([base, other_campaign, late, early]), SPEC, REQUEST)
    assert {k: len(c.people) for k, c in cells.items()} == {("c1", "n1"): 3}
    assert cells[("c1", "n1")].sums["gmv"] == pytest.approx(300.0)


def test_cells_by_day_and_without_levels() -> None:
    rows = funnel_rows({("c1", "n1"): 14})
    by_day = finest_cells(rows, TEMPLATES["funnel_by_day"], REQUEST)
    assert sorted(by_day) == [((PERIOD + timedelta(days=i)).isoformat(),) for i in range(7)]
    assert all(len(c.people) == 2 for c in by_day.values())
    total = finest_cells(rows, TEMPLATES["funnel_by_campaign"], REQUEST)
    assert list(total) == [()]
    assert len(total[()].people) == 14
    assert total[()].sums == {
        "impressions": 42.0,
        "reads": 14.0,
        "clicks": 14.0,
        "purchases": 14.0,
        "gmv": 1400.0,
    }


def test_a_missing_level_value_has_its_own_cell() -> None:
    rows = funnel_rows({("c1", "n1"): 2})
    rows = rows.set_column(
        rows.column_names.index("note_id"), "note_id", pa.array([None, "n1"], pa.string())
    )
    cells = finest_cells(rows, SPEC, REQUEST)
    assert sorted(cells) == [("c1", "(none)"), ("c1", "n1")]


def test_rows_lacking_a_column_are_refused_by_name() -> None:
    rows = funnel_rows({("c1", "n1"): 2}).drop_columns(["gmv", "note_id"])
    with pytest.raises(InvalidInput, match=r"lack column\(s\) gmv, note_id"):
        finest_cells(rows, SPEC, REQUEST)


def test_timestamps_fall_into_their_day() -> None:
    rows = funnel_rows({("c1", "n1"): 3})
    stamps = [datetime(2026, 11, 2, 0, 0), datetime(2026, 11, 2, 23, 59), datetime(2026, 11, 8, 12)]
    rows = rows.set_column(
        rows.column_names.index("day"), "day", pa.array(stamps, pa.timestamp("us"))
    )
    cells = finest_cells(rows, TEMPLATES["funnel_by_day"], REQUEST)
    assert {k: len(c.people) for k, c in cells.items()} == {("2026-11-02",): 2, ("2026-11-08",): 1}


def test_odd_column_names_are_quoted() -> None:
    spec = ReportTemplate("odd", ('le"vel',), (Measure('me"asure', 3.0),))
    rows = pa.table(
        {
            "person": ["p1", "p2", "p3"],
            "campaign_id": [1, 1, 1],
            "day": [PERIOD] * 3,
            'le"vel': ["a", "a", "b"],
            'me"asure': [1.0, 5.0, 2.0],
        }
    )
    cells = finest_cells(rows, spec, REQUEST)
    assert {k: c.sums for k, c in cells.items()} == {
        ("a",): {'me"asure': 4.0},
        ("b",): {'me"asure': 2.0},
    }

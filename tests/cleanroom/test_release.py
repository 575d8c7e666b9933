from __future__ import annotations

import threading
from collections import defaultdict
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from cleanroom_helpers import PERIOD, funnel_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedtrail.cleanroom.archive import StoreReleaseArchive
from seedtrail.cleanroom.cells import Cell
from seedtrail.cleanroom.release import OTHER, Release, ReleasedCell, release_k, spend_by_cell
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import Measure, Ratio, ReportRequest, ReportTemplate
from seedtrail.core.errors import InvalidInput, NotFound
from seedtrail.store.store import Store

POLICY = ReleasePolicy(k=50)


def report(rows: pa.Table, template: str = "funnel_by_note", **kw: object) -> pa.Table:
    request = ReportRequest(template, "brand-x", 1, PERIOD, **kw)  # type: ignore[arg-type]
    return run_report(rows, request, POLICY).to_arrow()


def cells(table: pa.Table) -> dict[tuple[str | None, ...], dict[str, object]]:
    levels = [c for c in ("creator_id", "note_id", "day", "group") if c in table.column_names]
    return {tuple(r[lv] for lv in levels): r for r in table.to_pylist()}


def test_all_cells_pass() -> None:
    out = cells(report(funnel_rows({("c1", "n1"): 60, ("c1", "n2"): 70, ("c2", "n3"): 80})))
    assert out[(None, None)]["people"] == 210
    assert out[("c1", None)]["purchases"] == 130
    assert out[("c1", "n1")]["gmv"] == 6000.0
    assert not any("other" in k for k in out)


def test_all_cells_fail() -> None:
    assert report(funnel_rows({("c1", "n1"): 10, ("c2", "n2"): 20})).num_rows == 0


def test_mix_rolls_up_into_other_with_complementary_suppression() -> None:
    rows = funnel_rows({("c1", "n1"): 60, ("c1", "n2"): 55, ("c1", "n3"): 1, ("c2", "n4"): 90})
    out = cells(report(rows))
    # n3 (1 person) is hidden; "other" would be 1 person, so n2 (smallest shown) joins it.
    assert ("c1", "n3") not in out and ("c1", "n2") not in out
    assert out[("c1", "other")]["people"] == 56
    assert out[("c1", "n1")]["people"] == 60
    # Roll-ups add up: note -> creator -> campaign.
    assert out[("c1", None)]["gmv"] == out[("c1", "n1")]["gmv"] + out[("c1", "other")]["gmv"]
    assert out[(None, None)]["gmv"] == out[("c1", None)]["gmv"] + out[("c2", None)]["gmv"]


def test_small_creators_roll_up_and_are_not_broken_down() -> None:
    rows = funnel_rows({("c1", "n1"): 100, ("c2", "n2"): 30, ("c3", "n3"): 30})
    out = cells(report(rows))
    assert out[("other", None)]["people"] == 60
    assert not any(k[0] == "other" and k[1] is not None for k in out)


def test_stricter_template_or_policy_k_wins() -> None:
    rows = funnel_rows({("c1", "n1"): 60, ("c1", "n2"): 60})
    strict = run_report(rows, ReportRequest("funnel_by_note", "b", 1, PERIOD), ReleasePolicy(k=61))
    assert strict.rule == {"mode": "k", "k": 61}
    out = cells(strict.to_arrow())
    assert set(out) == {(None, None), ("c1", None), ("c1", "other")}  # 60-people notes hidden


def test_lift_shows_both_groups_or_neither() -> None:
    both = cells(report(funnel_rows({("c", "n"): 80, ("c", "control"): 60}), "lift"))
    assert set(both) == {(None,), ("exposed",), ("control",)}
    one = cells(report(funnel_rows({("c", "n"): 80, ("c", "control"): 10}), "lift"))
    assert set(one) == {(None,)}


@pytest.mark.parametrize(
    "bad",
    [
        {"extra": {"city": "Shanghai"}},  # tiny cohorts through filters
    ],
)
def test_free_filters_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="not allowed"):
        report(funnel_rows({("c", "n"): 80}), **bad)


def test_unknown_template_and_unaligned_period_are_refused() -> None:
    rows = funnel_rows({("c", "n"): 80})
    with pytest.raises(NotFound, match="no report template"):
        run_report(rows, ReportRequest("free_sql", "b", 1, PERIOD), POLICY)
    with pytest.raises(InvalidInput, match="not a Monday"):
        run_report(rows, ReportRequest("funnel_by_day", "b", 1, PERIOD.replace(day=3)), POLICY)


def test_differencing_two_overlapping_queries_cannot_isolate_one_person() -> None:
    """Attack: ask for a week, then for the same week minus one day, and subtract. Periods are
    whole, disjoint weeks, so the second query cannot be asked; and within one report, every
    number a subtraction can yield is itself a released cell of at least k people."""
    rows = funnel_rows({("c1", "n1"): 60, ("c1", "n2"): 1, ("c2", "n3"): 70})
    with pytest.raises(InvalidInput):
        run_report(rows, ReportRequest("funnel_by_note", "b", 1, PERIOD.replace(day=3)), POLICY)
    table = report(rows)
    out = cells(table)
    children: dict[tuple[str | None, ...], list[float]] = defaultdict(list)
    for key, row in out.items():
        if key[0] is not None and key[1] is not None:
            children[(key[0], None)].append(row["people"])  # type: ignore[arg-type]
    for parent, people in children.items():
        assert all(p >= 50 for p in people)
        # No child is hidden alone: whatever the parent minus the shown children covers, it
        # is shown as "other" with at least k people, or it is nothing at all.
        hidden = out[parent]["people"] - sum(people)  # type: ignore[operator]
        assert hidden == 0 or hidden >= 50 or (parent[0], "other") in out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(["n1", "n2", "n3", "n4"])),
        st.integers(min_value=1, max_value=120),
        min_size=1,
        max_size=8,
    )
)
def test_released_cells_never_cover_fewer_than_k_people(sizes: dict[tuple[str, str], int]) -> None:
    rows = funnel_rows(sizes)
    table = report(rows)
    for row in table.to_pylist():
        assert row["people"] >= 50
    out = cells(table)
    for key, row in out.items():  # every parent equals the sum of its released children
        if key == (None, None):
            kids = [r for k, r in out.items() if k[0] is not None and k[1] is None]
        elif key[1] is None and key[0] != "other":
            kids = [r for k, r in out.items() if k[0] == key[0] and k[1] is not None]
        else:
            continue
        if kids:
            assert sum(r["gmv"] for r in kids) == pytest.approx(row["gmv"])


def test_late_rows_cannot_be_isolated_by_asking_again(store: Store) -> None:
    """Attack: ask for a week, wait for one late conversion, ask again (on another node: a
    fresh connection), subtract."""

    def ask(rows: pa.Table, request: ReportRequest) -> Release:
        with store.transaction() as conn:
            return run_report(rows, request, POLICY, archive=StoreReleaseArchive(conn, "t"))

    request = ReportRequest("funnel_by_note", "brand-x", 1, PERIOD)
    before = ask(funnel_rows({("c1", "n1"): 80}), request)
    late = funnel_rows({("c1", "n1"): 81})
    again = ask(late, request)
    assert again.to_arrow().equals(before.to_arrow())
    assert (again.rule, again.release_id) == (before.rule, before.release_id)
    other_brand = ReportRequest("funnel_by_note", "brand-y", 1, PERIOD)
    assert ask(late, other_brand).cells[0].people == 81


def test_a_concurrent_first_release_keeps_one_answer(store: Store) -> None:
    """Two nodes release the same week at once, over different rows: both answer with the
    cells that were stored first."""
    request = ReportRequest("funnel_by_note", "brand-x", 1, PERIOD)
    start = threading.Barrier(2)
    answers: list[Release] = []

    def node(people: int) -> None:
        rows = funnel_rows({("c1", "n1"): people})
        start.wait(10)
        with store.transaction() as conn:
            answers.append(
                run_report(rows, request, POLICY, archive=StoreReleaseArchive(conn, "t"))
            )

    threads = [threading.Thread(target=node, args=(n,)) for n in (80, 81)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 2
    assert answers[0].release_id == answers[1].release_id
    assert answers[0].to_arrow().equals(answers[1].to_arrow())


def test_a_duckdb_relation_is_accepted_as_input() -> None:
    import duckdb

    rows = funnel_rows({("c1", "n1"): 70, ("c1", "n2"): 5})
    con = duckdb.connect()
    con.register("attributed", rows)
    relation = con.sql("SELECT * FROM attributed")
    from_relation = run_report(relation, ReportRequest("funnel_by_note", "b", 1, PERIOD), POLICY)
    assert from_relation.to_arrow().equals(report(rows))


def test_campaign_and_day_templates() -> None:
    rows = funnel_rows({("c1", "n1"): 70, ("c2", "n2"): 280})
    total = report(rows, "funnel_by_campaign").to_pylist()
    assert [(r["level"], r["people"], r["purchases"]) for r in total] == [("campaign", 350, 350)]
    by_day = cells(report(rows, "funnel_by_day"))
    days = {k[0] for k in by_day if k[0] is not None}
    assert days == {(PERIOD + timedelta(days=i)).isoformat() for i in range(7)}  # 50 a day
    assert sum(by_day[(d,)]["people"] for d in days) == 350
    assert report(rows.filter(pc.field("campaign_id") == 2), "funnel_by_campaign").num_rows == 0


def _shown(*keys: tuple[str, ...]) -> Release:
    """A release showing exactly ``keys`` (spend_by_cell reads only which cells are shown)."""
    spec = ReportTemplate("spend3", ("brand", "creator_id", "note_id"), (Measure("gmv", 1.0),))
    request = ReportRequest("roas", "b", 1, PERIOD)
    return Release(spec, request, tuple(ReleasedCell(k, 100.0, {}) for k in keys), {})


def test_spend_goes_to_the_cell_that_shows_it_or_the_nearest_other_above() -> None:
    release = _shown(
        (),
        ("b1",),
        ("b1", "c1"),
        ("b1", "c1", "n1"),  # shown
        ("b1", "c1", OTHER),  # n2 and n3 hidden here
        ("b1", OTHER),  # creator c2 hidden here
        ("b2",),
        ("b2", "c9"),
        ("b2", "c9", "n9"),  # b2 has no other anywhere
        (OTHER,),  # brand b3 hidden here
    )
    spend = {
        ("b1", "c1", "n1"): 10.0,
        ("b1", "c1", "n2"): 5.0,
        ("b1", "c1", "n3"): 2.0,
        ("b1", "c2", "n4"): 7.0,  # its creator is hidden: the creators' other, one level up
        ("b2", "c9", "n9"): 1.0,
        ("b2", "c8", "n8"): 4.0,  # no other under b2 or c8: the brands' other, two levels up
        ("b3", "c7", "n7"): 3.0,
    }
    assert spend_by_cell(release, spend) == {
        ("b1", "c1", "n1"): 10.0,
        ("b1", "c1", OTHER): 7.0,
        ("b1", OTHER): 7.0,
        ("b1", "c1"): 17.0,
        ("b1",): 24.0,
        ("b2", "c9", "n9"): 1.0,
        ("b2", "c9"): 1.0,
        ("b2",): 1.0,
        (OTHER,): 7.0,
        (): 32.0,
    }


def test_spend_no_shown_cell_covers_is_left_out_and_an_empty_other_has_none() -> None:
    release = _shown((), ("b1",), ("b1", "c1"), ("b1", "c1", "n1"), ("b1", "c1", OTHER))
    spend = {("b1", "c1", "n1"): 10.0, ("b1", "c2", "n2"): 6.0, ("b9", "c9", "n9"): 1.0}
    # c2 is hidden, with no other at its level or above: its spend is shown nowhere, so no
    # ROAS mixes it in; the creator's other shows no spend (0, not missing)
    assert spend_by_cell(release, spend) == {
        ("b1", "c1", "n1"): 10.0,
        ("b1", "c1", OTHER): 0.0,
        ("b1", "c1"): 10.0,
        ("b1",): 10.0,
        (): 10.0,
    }


def test_k_release_counts_people_once_across_hidden_siblings_at_every_depth() -> None:
    """Three levels; under c1, notes n2 and n3 reach the same 30 people: hidden together they
    still cover 30 (not 60), fewer than k, so n1 joins them in ``other``."""
    spec = ReportTemplate("k3", ("brand", "creator_id", "note_id"), (Measure("gmv", 1.0),))

    def crowd(tag: str, n: int) -> Cell:
        return Cell({f"{tag}{i}" for i in range(n)}, {"gmv": float(n)})

    finest = {
        ("b1", "c1", "n1"): crowd("a", 60),
        ("b1", "c1", "n2"): crowd("p", 30),
        ("b1", "c1", "n3"): crowd("p", 30),
        ("b1", "c2", "n4"): crowd("c", 55),
        ("b1", "c2", "n5"): crowd("d", 70),
    }
    release = release_k(finest, spec, ReportRequest("k3", "b", 1, PERIOD), 50)
    assert {c.key: c.people for c in release.cells} == {
        (): 215.0,
        ("b1",): 215.0,
        ("b1", "c1"): 90.0,
        ("b1", "c1", OTHER): 90.0,
        ("b1", "c2"): 125.0,
        ("b1", "c2", "n4"): 55.0,
        ("b1", "c2", "n5"): 70.0,
    }
    assert next(c for c in release.cells if c.key == ("b1", "c1", OTHER)).sums == {"gmv": 120.0}


def test_the_purchase_rate_is_purchases_over_people_in_every_cell() -> None:
    rows = funnel_rows({("c1", "n1"): 60, ("c1", "n2"): 75, ("c2", "n3"): 90})
    bought = [1 if i % 3 == 0 else 0 for i in range(rows.num_rows)]  # a third of the people
    rows = rows.set_column(rows.column_names.index("purchases"), "purchases", pa.array(bought))
    table = report(rows)
    assert table.column("level").to_pylist() == [
        *("campaign", "creator_id", "note_id", "note_id", "creator_id", "note_id")
    ]
    for row in table.to_pylist():
        assert row["purchase_rate"] == round(row["purchases"] / row["people"], 6), row
        assert 0.3 < row["purchase_rate"] < 0.37


def test_exactly_k_people_are_enough_to_show_a_cell() -> None:
    total = report(funnel_rows({("c1", "n1"): 50}), "funnel_by_campaign").to_pylist()
    assert [(r["level"], r["people"]) for r in total] == [("campaign", 50)]
    out = cells(report(funnel_rows({("c1", "n1"): 50, ("c2", "n2"): 50})))
    assert set(out) == {(None, None), ("c1", None), ("c1", "n1"), ("c2", None), ("c2", "n2")}
    lift = cells(report(funnel_rows({("c", "n"): 50, ("c", "control"): 50}), "lift"))
    assert set(lift) == {(None,), ("exposed",), ("control",)}
    assert report(funnel_rows({("c", "n"): 49}), "lift").num_rows == 0


def test_lift_without_a_control_group_shows_only_the_total() -> None:
    assert set(cells(report(funnel_rows({("c", "n"): 80}), "lift"))) == {(None,)}


def test_ratios_over_spend_people_or_a_measure_and_none_without_a_denominator() -> None:
    spec = ReportTemplate(
        "ratios",
        ("note_id",),
        (Measure("purchases", 5), Measure("gmv", 2000.0)),
        (
            Ratio("roas", "gmv", "spend"),
            Ratio("per_person", "gmv", "people"),
            Ratio("per_purchase", "gmv", "purchases"),
        ),
    )
    release = Release(
        spec,
        ReportRequest("ratios", "b", 1, PERIOD),
        (
            ReleasedCell((), 80.0, {"purchases": 40.0, "gmv": 3000.0}),
            ReleasedCell(("n1",), 60.0, {"purchases": 40.0, "gmv": 3000.0}),
            ReleasedCell(("n2",), 20.0, {"purchases": 0.0, "gmv": 0.0}),
            ReleasedCell(("n3",), 1.0, {"purchases": 1.0, "gmv": 10.0}),  # a noisy DP count
        ),
        {},
    )
    spend = {(): 600.0, ("n2",): 0.0, ("n3",): 0.5}  # no spend known for n1
    rows = release.to_arrow(spend).to_pylist()
    got = [(r["level"], r["note_id"], r["roas"], r["per_person"], r["per_purchase"]) for r in rows]
    assert got == [
        ("campaign", None, 5.0, 37.5, 75.0),
        ("note_id", "n1", None, 50.0, 75.0),
        ("note_id", "n2", None, 0.0, None),
        ("note_id", "n3", 20.0, 10.0, 10.0),  # denominators of 0.5 and 1 divide like any other
    ]
    no_spend = release.to_arrow()  # no spend table: no ROAS, still a float column
    assert no_spend.column("roas").to_pylist() == [None] * 4
    assert no_spend.schema.field("roas").type == pa.float64()


def test_an_empty_release_still_has_its_typed_columns() -> None:
    table = report(funnel_rows({("c1", "n1"): 10}))
    assert table.num_rows == 0
    assert table.schema.names == [
        *("level", "creator_id", "note_id", "people"),
        *("impressions", "reads", "clicks", "purchases", "gmv", "purchase_rate"),
    ]
    assert {str(t) for t in table.schema.types} == {"string", "double"}

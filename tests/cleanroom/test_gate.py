"""The k rule on report rows read by brands and creators."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seedtrail.cleanroom.gate import release_one, release_rows


def row(key: str, people: int, reads: int = 10) -> dict[str, object]:
    return {
        "key": key,
        "people": people,
        "reads": reads,
        "purchases": {"sampled": 1.0, "scaled": 2.0, "ci95": [0.0, 4.0]},
        "roas": 1.5,
        "sample_rate": {"min": 0.5, "max": 1.0},
    }


def test_all_pass_all_fail_and_a_mix() -> None:
    rows = [row("a", 60), row("b", 70)]
    assert release_rows(rows, 50) == (rows, None)
    assert release_rows([row("a", 10), row("b", 20)], 50) == ([], None)
    shown, other = release_rows([row("a", 60), row("b", 30), row("c", 25)], 50)
    assert [r["key"] for r in shown] == ["a"]
    assert other is not None and other["people"] == 55 and other["rows"] == 2
    assert other["reads"] == 20 and other["purchases"] == {"sampled": 2.0, "scaled": 4.0}
    assert "roas" not in other and "sample_rate" not in other  # ratios do not add up


def test_a_lone_small_row_takes_the_smallest_shown_one_with_it() -> None:
    shown, other = release_rows([row("a", 500), row("b", 80), row("c", 5)], 50)
    assert [r["key"] for r in shown] == ["a"]  # "b" joins "c": other alone would be 5 people
    assert other is not None and other["people"] == 85


def test_one_row() -> None:
    assert release_one(row("n", 49), 50) is None
    assert release_one(None, 50) is None
    assert release_one(row("n", 50), 50) is not None


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=12), st.integers(1, 100))
def test_nothing_under_k_is_ever_shown(people: list[int], k: int) -> None:
    rows = [row(str(i), p) for i, p in enumerate(people)]
    shown, other = release_rows(rows, k)
    assert all(int(r["people"]) >= k for r in shown)  # type: ignore[call-overload]
    if other is not None:
        assert other["people"] >= k
    if shown or other is not None:  # every row is either shown or inside "other"
        assert len(shown) + (other["rows"] if other else 0) == len(rows)
    else:  # nothing at all: together they reached fewer than k people
        assert sum(people) < k

"""Complementary suppression among siblings (cleanroom/suppression.py)."""

from __future__ import annotations

from seedtrail.cleanroom.suppression import suppressed_keys


def test_cells_under_the_threshold_are_hidden_and_big_ones_shown() -> None:
    assert suppressed_keys({"a": 10, "b": 20, "c": 100}, 25) == {"a", "b"}
    assert suppressed_keys({"a": 60, "b": 70}, 50) == set()


def test_other_reaching_the_threshold_exactly_is_enough() -> None:
    assert suppressed_keys({"x": 20, "y": 30, "z": 100}, 50) == {"x", "y"}


def test_a_lone_small_cell_takes_the_smallest_shown_sibling_with_it() -> None:
    assert suppressed_keys({"big": 500, "mid": 80, "tiny": 3}, 50) == {"tiny", "mid"}


def test_ties_are_broken_by_key_not_by_input_order() -> None:
    assert suppressed_keys({"b": 60, "a": 60, "c": 10}, 50) == {"a", "c"}
    assert suppressed_keys({"a": 60, "b": 60, "c": 10}, 50) == {"a", "c"}


def test_everything_is_hidden_when_even_all_together_stay_small() -> None:
    assert suppressed_keys({"a": 10, "b": 12}, 50) == {"a", "b"}


def test_union_size_counts_people_once_across_overlapping_cells() -> None:
    people = {"a": {1, 2, 3}, "b": {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "c": set(range(100, 200))}
    sizes = {k: len(v) for k, v in people.items()}

    def union(keys: set[str]) -> int:
        return len(set().union(*(people[k] for k in keys)))

    # Summed sizes a + b = 13 >= 12 would stop, but a and b share people: only 10 are hidden.
    assert suppressed_keys(sizes, 12) == {"a", "b"}
    assert suppressed_keys(sizes, 12, union) == {"a", "b", "c"}

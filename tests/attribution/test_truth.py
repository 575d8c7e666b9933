"""Ground-truth scores on a hand-built example, and on a simulated world."""

from __future__ import annotations

import duckdb
import pytest

import reportworld
from seedtrail.attribution import truth


def test_scores_on_a_hand_built_example() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE credits AS SELECT * FROM (VALUES "
        "('p1', 'purchase', 'x1', 1, 0.5, 1.0), ('p1', 'purchase', 'x2', 2, 0.5, 1.0), "
        "('p2', 'purchase', 'x3', 1, 1.0, 0.5), ('p3', 'purchase', 'x4', 2, 1.0, 1.0), "
        "('s1', 'search', 'x4', 2, 1.0, 1.0)"
        ") c(conversion_id, conversion_kind, touch_id, note_id, credit, sample_rate)"
    )
    con.execute(
        "CREATE TABLE w_truth AS SELECT * FROM (VALUES "
        "('p1', 'purchase', true, 1, 'x5'), ('p2', 'purchase', true, 1, 'x3'), "
        "('p3', 'purchase', false, NULL, NULL), ('p4', 'purchase', true, 3, 'x9'), "
        "('s1', 'search', true, 2, 'x4')"
        ") t(event_id, kind, caused, note_id, exposure_event_id)"
    )
    s = truth.score(con, "m", "credits")
    assert s["credited_purchases"] == pytest.approx(4.0)  # p2 counts twice (sampled at 50%)
    assert s["true_caused_purchases"] == 3
    # per note credited (2.5, 1.5, 0) against true (2, 0, 1)
    assert s["wmape"] == pytest.approx((0.5 + 1.5 + 1.0) / 3)
    assert s["credit_on_true_note"] == pytest.approx(1.5 / 2.0)
    assert s["credit_on_true_touch"] == pytest.approx(1.0 / 2.0)
    assert s["credit_on_uncaused"] == pytest.approx(1.0 / 3.0)
    assert s["top_notes_overlap"] == pytest.approx(3 / truth.TOP_N)


def test_world_scores_rank_last_touch_and_credit_true_causes(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    built, _ = reportworld.built_report(tmp_path_factory)
    scores = {s["model"]: s for s in built.tables["scores"].to_pylist()}
    assert set(scores) == {*reportworld.MODELS, "calibrated"}
    calibrated = scores.pop("calibrated")
    assert calibrated["credited_purchases"] >= 0 and 0 <= calibrated["credit_on_uncaused"] < 1
    for s in scores.values():
        assert s["true_caused_purchases"] > 0
        assert 0 <= s["credit_on_true_note"] <= 1
        assert 0 <= s["credit_on_uncaused"] < 1
        # single- and multi-touch credit the same purchases, only differently
        assert s["credited_purchases"] == pytest.approx(scores["last_touch"]["credited_purchases"])
    # the causing note gets more of the credit under last touch than under position-based
    assert (
        scores["last_touch"]["credit_on_true_note"]
        > scores["position_based"]["credit_on_true_note"]
    )

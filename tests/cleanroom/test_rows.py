"""Per-person rows built inside the clean room from touches and attribution credits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seedtrail.cleanroom.rows import ROW_COLUMNS, RowSources, build_rows, load_rows, save_rows
from seedtrail.core.errors import Conflict, InvalidInput

D1 = datetime(2026, 11, 2, 9, tzinfo=UTC)
D2 = datetime(2026, 11, 3, 23, 59, tzinfo=UTC)


def _write(path: Path, **cols: list[object]) -> Path:
    pq.write_table(pa.table(cols), path)
    return path


def _sources(tmp_path: Path) -> RowSources:
    touches = _write(
        tmp_path / "touches.parquet",
        event_id=["t1", "t2", "t3", "t4", "t5"],
        user_key=["u1", "u1", "u1", "u2", "u3"],
        note_id=[10, 10, 10, 20, 10],
        kind=["impression", "read", "click", "impression", "read"],
        ts=[D1, D1, D2, D1, D1],
    )
    credits = _write(
        tmp_path / "credits.parquet",
        conversion_id=["c1", "c2", "c3"],
        conversion_kind=["purchase", "refund", "add_to_cart"],
        touch_id=["t3", "t3", "t2"],
        note_id=[10, 10, 10],
        credit=[1.0, 1.0, 1.0],
        value=[100.0, -40.0, 0.0],
        sample_rate=[0.5, 0.5, 0.5],
    )
    notes = _write(tmp_path / "notes.parquet", note_id=[10, 20], author_id=[1, 2])
    cn = _write(tmp_path / "cn.parquet", campaign_id=[5, 5, 6], note_id=[10, 20, 10])
    holdout = _write(
        tmp_path / "holdout.parquet", community_key=["u1", "u3"], holdout=[False, True]
    )
    return RowSources(touches, credits, notes, cn, holdout)


def test_rows_carry_touches_and_scaled_credits_per_person_note_and_day(tmp_path: Path) -> None:
    table = build_rows(_sources(tmp_path))
    assert tuple(table.column_names) == ROW_COLUMNS
    rows = {
        (r["campaign_id"], r["note_id"], r["person"], str(r["day"])): r for r in table.to_pylist()
    }
    assert set(rows) == {
        (5, "10", "u1", "2026-11-02"),
        (5, "10", "u1", "2026-11-03"),
        (5, "10", "u3", "2026-11-02"),
        (5, "20", "u2", "2026-11-02"),
        (6, "10", "u1", "2026-11-02"),
        (6, "10", "u1", "2026-11-03"),
        (6, "10", "u3", "2026-11-02"),
    }
    first = rows[(5, "10", "u1", "2026-11-02")]
    assert (first["impressions"], first["reads"], first["clicks"]) == (1, 1, 0)
    assert first["purchases"] == 0 and first["gmv"] == 0  # a cart is not a purchase
    clicked = rows[(5, "10", "u1", "2026-11-03")]
    assert clicked["clicks"] == 1
    # the purchase (100) and its partial refund (-40), each scaled by 1 / 0.5
    assert clicked["purchases"] == pytest.approx(0.0)
    assert clicked["gmv"] == pytest.approx(120.0)
    assert clicked["creator_id"] == 1 and clicked["group"] == "exposed"
    assert rows[(5, "10", "u3", "2026-11-02")]["group"] == "control"
    assert rows[(5, "20", "u2", "2026-11-02")]["group"] == "exposed"  # not in the holdout file


def test_missing_column_and_missing_file_say_which(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    _write(src.notes, note_id=[10, 20], creator=[1, 2])
    with pytest.raises(InvalidInput, match=r"notes file .* lacks column\(s\) \['author_id'\]"):
        build_rows(src)
    with pytest.raises(InvalidInput, match="the credits file"):
        build_rows(
            RowSources(src.touches, tmp_path / "nope.parquet", src.notes, src.campaign_notes)
        )


def test_stored_rows_round_trip_and_absent_rows_are_a_conflict(tmp_path: Path) -> None:
    with pytest.raises(Conflict, match="seedtrail cleanroom rows"):
        load_rows(tmp_path)
    table = build_rows(_sources(tmp_path))
    save_rows(table, tmp_path)
    assert load_rows(tmp_path).equals(table)

"""Daily incremental runs recompute only the days late events touched, and equal a full run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import reportworld
from seedtrail.attribution import world
from seedtrail.attribution.incremental import dirty_days, run_daily
from seedtrail.core.errors import InvalidInput


def _rows(state: Path) -> list[tuple[object, ...]]:
    return duckdb.execute(
        "SELECT conversion_id, touch_id, note_id, round(credit, 9), round(value, 6), "
        f"sample_rate FROM read_parquet('{state}/credits/*/*.parquet') ORDER BY ALL"
    ).fetchall()


def test_daily_run_equals_a_full_recompute(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    src = world.WorldSource(world.WorldDir(w))
    first = duckdb.execute(f"SELECT epoch_us(MIN(ts)) FROM '{w}/events/front.parquet'").fetchone()
    assert first is not None
    start = datetime.fromtimestamp(first[0] / 1e6, UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    def late(t0: datetime, t1: datetime) -> int:
        """Conversions of days before t0 - 1 day that the world delivers in [t0, t1)."""
        got = duckdb.execute(
            f"SELECT COUNT(*) FROM '{w}/conversions/*.parquet' WHERE ts < ? "
            "AND received_at >= ? AND received_at < ?",
            [t0 - timedelta(days=1), t0, t1],
        ).fetchone()
        return int(got[0]) if got else 0

    # a two-day step in which the world delivers some conversions of earlier days late
    t0 = next(
        start + timedelta(days=d)
        for d in range(5, reportworld.SCALE["days"] - 2)
        if late(start + timedelta(days=d), start + timedelta(days=d + 2)) > 0
    )
    t1 = t0 + timedelta(days=2)

    inc = tmp_path / "inc"
    before = run_daily(src, inc, "position_based", t0)
    assert before.previous is None and len(before.days_recomputed) == before.days_total
    after = run_daily(src, inc, "position_based", t1)
    assert after.previous == t0
    assert len(after.days_recomputed) < after.days_total  # not everything again
    assert min(after.days_recomputed) < (t0 - timedelta(days=1)).date()  # a late event's day

    full = run_daily(src, tmp_path / "full", "position_based", t1)
    assert full.rows_written > 0
    assert _rows(inc) == _rows(tmp_path / "full")

    # day by day to the end of the world (refunds arrive days after their purchases)
    end = start + timedelta(days=reportworld.SCALE["days"] + 2)
    day = t1
    while day < end:
        day += timedelta(days=1)
        run_daily(src, inc, "position_based", day)
    run_daily(src, tmp_path / "full", "position_based", end, full=True)
    assert _rows(inc) == _rows(tmp_path / "full")


def test_daily_runs_refuse_what_they_cannot_do_incrementally(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    src = world.WorldSource(world.WorldDir(w))
    t = datetime(2025, 3, 5, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="cannot run incrementally"):
        run_daily(src, tmp_path, "markov", t)
    run_daily(src, tmp_path, "last_touch", t)
    with pytest.raises(InvalidInput, match="is not after the last run"):
        run_daily(src, tmp_path, "last_touch", t)
    with pytest.raises(InvalidInput, match="--full"):
        run_daily(src, tmp_path, "linear", t + timedelta(days=1))


def test_a_late_purchase_makes_its_earlier_delivered_refund_dirty() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE w_conv AS SELECT event_id, kind, order_id, CAST(ts AS TIMESTAMPTZ) AS ts, "
        "CAST(rx AS TIMESTAMPTZ) AS received_at FROM (VALUES "
        "('p1', 'purchase', 'o1', '2025-03-01 10:00:00+00', '2025-03-05 10:00:00+00'), "
        "('r1', 'refund', 'o1', '2025-03-03 10:00:00+00', '2025-03-03 10:05:00+00'), "
        "('p2', 'purchase', 'o2', '2025-03-02 10:00:00+00', '2025-03-02 10:00:01+00')"
        ") x(event_id, kind, order_id, ts, rx)"
    )
    con.execute("CREATE TABLE w_touches AS SELECT TIMESTAMPTZ '2025-03-01 09:00:00+00' AS ts")
    previous = datetime(2025, 3, 4, tzinfo=UTC)
    days = dirty_days(con, previous, timedelta(days=15))
    # p1 arrived late: its day, and the day of its refund r1 (which takes p1's credits)
    assert [d.isoformat() for d in days] == ["2025-03-01", "2025-03-03"]

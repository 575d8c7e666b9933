"""Stored runs: publishing a report and reading it back."""

from __future__ import annotations

from pathlib import Path

import pytest

import reportworld
from seedtrail.attribution import runs
from seedtrail.errors import InvalidInput, NotFound


def test_publish_then_read_the_latest_report(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    assert runs.latest(tmp_path) is None
    pointer = runs.publish(tmp_path, path)
    assert pointer["run_id"] == built.meta["run_id"]
    report = runs.latest(tmp_path)
    assert report is not None and report.path == path.resolve()
    rows = report.query(
        "SELECT key, purchases_scaled FROM {funnel} WHERE model = ? AND dimension = 'partner' "
        "ORDER BY key",
        ["last_touch"],
    )
    assert [r["key"] for r in rows] == sorted(r["key"] for r in rows) and rows
    assert report.model(None) == "position_based"
    assert report.model("last_touch") == "last_touch"
    with pytest.raises(InvalidInput, match="model 'markov' is not in this report"):
        report.model("markov")


def test_a_published_report_that_vanished_is_reported(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "report.json").write_text('{"run_id": "x"}')
    runs.publish(tmp_path, gone)
    (gone / "report.json").unlink()
    with pytest.raises(NotFound, match="missing"):
        runs.latest(tmp_path)

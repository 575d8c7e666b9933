"""`seedtrail report build|show|score|daily` on a small simulated world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reportworld
from seedtrail.cli.main import main


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().out.split())


def test_build_publish_and_show(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    out = tmp_path / "rep"
    main(
        [
            "--data-dir",
            str(tmp_path / "data"),
            "report",
            "build",
            "--world",
            str(w),
            "--out",
            str(out),
            "-m",
            "last_touch",
            "-m",
            "last_click",
            "--primary",
            "last_touch",
        ]
    )
    printed = _out(capsys)
    assert "lift from the randomized holdout" in printed and "ground truth" in printed
    meta = json.loads((out / "report.json").read_text())
    assert meta["models"] == ["last_touch", "last_click"]
    pointer = json.loads((tmp_path / "data" / "attribution" / "latest.json").read_text())
    assert pointer == {"run_id": meta["run_id"], "path": str(out.resolve())}
    main(["--data-dir", str(tmp_path / "data"), "report", "show"])
    assert "boosted traffic per campaign (last_touch)" in _out(capsys)


def test_score_prints_each_model(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    main(["report", "score", "--world", str(w), "-m", "last_touch", "--touch-kinds", "read,click"])
    printed = _out(capsys)
    assert "models against the ground truth" in printed and "lift from the randomized" in printed
    with pytest.raises(SystemExit) as exc:
        main(["report", "score", "--world", str(w), "--touch-kinds", "read,glance"])
    assert exc.value.code == 2
    assert "unknown touch kind 'glance'" in capsys.readouterr().err


def test_daily_then_errors_without_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    args = ["--data-dir", str(tmp_path), "report", "daily", "--world", str(w), "-m", "last_touch"]
    main([*args, "--as-of", "2025-03-05"])
    assert "(first run): recomputed" in _out(capsys)
    main([*args, "--as-of", "2025-03-06"])
    assert "(since 2025-03-05T00:00:00+00:00): recomputed" in _out(capsys)
    with pytest.raises(SystemExit) as exc:
        main([*args, "--as-of", "yesterday"])
    assert exc.value.code == 2
    assert "not an ISO date" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data-dir", str(tmp_path / "empty"), "report", "show"])
    assert "no attribution report was published yet" in capsys.readouterr().err


def test_build_from_a_lake_without_conversions_says_so(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    (tmp_path / "lake" / "read" / "day=2025-03-01").mkdir(parents=True)
    args = ["--data-dir", str(tmp_path), "report", "build", "--world", str(w), "-m", "last_touch"]
    for lake, message in (
        (tmp_path / "nowhere", "does not exist"),
        (tmp_path, "holds no back-link events"),
    ):
        with pytest.raises(SystemExit) as exc:
            main([*args, "--lake", str(lake)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err

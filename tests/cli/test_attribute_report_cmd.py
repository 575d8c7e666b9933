"""`seedtrail report build|show|score|daily` on a small simulated world's data as a deployment
holds them (store, lake, clean-room matches)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import reportworld
from seedtrail.cli.main import main


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().out.split())


def test_build_publish_and_show(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    out = tmp_path / "rep"
    main(
        [
            "--data-dir",
            str(data),
            "report",
            "build",
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
    assert "lift from the randomized holdout" in printed
    meta = json.loads((out / "report.json").read_text())
    assert meta["models"] == ["last_touch", "last_click", "calibrated"]
    assert meta["primary_model"] in ("last_touch", "last_click")  # chosen by agreement with lift
    assert "calibrated by lift" in printed or "default model" in printed
    assert meta["inputs"]["identity"] == "clean room" and meta["scores"] == []
    pointer = json.loads((tmp_path / "data" / "attribution" / "latest.json").read_text())
    assert pointer == {"run_id": meta["run_id"], "path": str(out.resolve())}
    main(["--data-dir", str(tmp_path / "data"), "report", "show"])
    assert f"boosted traffic per campaign ({meta['primary_model']})" in _out(capsys)


def test_score_prints_each_model(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    data = ["--data-dir", str(reportworld.deployment_dir(tmp_path_factory))]
    args = [*data, "report", "score", "--world", str(w)]
    main([*args, "-m", "last_touch", "--touch-kinds", "read,click"])
    printed = _out(capsys)
    assert "models against the ground truth" in printed and "lift from the randomized" in printed
    with pytest.raises(SystemExit) as exc:
        main([*args, "--touch-kinds", "read,glance"])
    assert exc.value.code == 2
    assert "unknown touch kind 'glance'" in capsys.readouterr().err


def test_daily_reads_the_deployment_then_errors_without_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    args = ["--data-dir", str(data), "report", "daily", "-m", "last_touch"]
    main([*args, "--as-of", "2025-03-05"])
    printed = _out(capsys)
    assert "(first run): recomputed" in printed
    first = int(re.search(r"([0-9,]+) rows", printed).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert first > 0  # credits from the deployment's lake and clean room (no world given)
    parts = data / "attribution" / "daily" / "last_touch" / "credits"
    assert any(parts.glob("day=*/part.parquet"))
    main([*args, "--as-of", "2025-03-06"])
    assert "(since 2025-03-05T00:00:00+00:00): recomputed" in _out(capsys)
    with pytest.raises(SystemExit) as exc:
        main([*args, "--as-of", "yesterday"])
    assert exc.value.code == 2
    assert "not an ISO date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # a world is for scoring only
        main([*args, "--as-of", "2025-03-07", "--world", str(data)])
    assert exc.value.code == 2 and "--world" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data-dir", str(tmp_path / "empty"), "report", "show"])
    assert "no attribution report was published yet" in capsys.readouterr().err


def test_build_says_what_is_missing_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--data-dir", str(tmp_path), "init"])
    capsys.readouterr()
    args = ["--data-dir", str(tmp_path), "report", "build", "-m", "last_touch"]
    for extra, message in (
        (["--cleanroom", str(tmp_path / "nowhere")], "does not exist"),
        (["--identity", str(tmp_path / "x.parquet"), "--cleanroom", str(tmp_path)], "not both"),
    ):
        with pytest.raises(SystemExit) as exc:
            main([*args, *extra])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_a_primary_model_not_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--primary bogus`` built and published a report showing another model first."""
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    main(["--data-dir", str(tmp_path), "init"])
    capsys.readouterr()
    for extra, allowed in ((["--primary", "bogus"], "last_click, last_touch"),
                           (["-m", "linear", "--primary", "shapley"], "linear, not")):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(["--data-dir", str(tmp_path), "report", "build", *extra])
        assert exc.value.code == 2
        err = " ".join(capsys.readouterr().err.split())
        assert err.startswith("error: --primary must be one of " + allowed), err
    assert not (tmp_path / "attribution").exists()  # nothing built, nothing published


def test_show_names_the_rows_of_no_campaign_and_says_how_to_score(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``none`` and ``all`` read as codes on a zh-CN run, and a report without scores printed an
    empty scores table squeezed into one column."""
    from seedtrail.cli import context

    monkeypatch.setattr(context.console, "_width", 200)  # (the property setter has no undo)
    data = tmp_path / "data"
    shutil.copytree(reportworld.deployment_dir(tmp_path_factory), data)
    main(["--data-dir", str(data), "report", "build", "-m", "last_touch"])
    capsys.readouterr()
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    main(["--data-dir", str(data), "report", "show"])
    zh = capsys.readouterr().out
    assert "│ 全部 " in zh and "│ 无推广活动 " in zh, zh
    assert not re.search(r"│ (none|all) ", zh), zh
    assert "本报告没有真值评分：运行 `seedtrail report score --world 目录`" in zh, zh
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    main(["--data-dir", str(data), "report", "show"])
    en = capsys.readouterr().out
    assert "│ All " in en and "│ no campaign " in en and "no ground-truth scores" in en, en

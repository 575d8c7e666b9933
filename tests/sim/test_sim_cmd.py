from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedtrail.cli.main import main


def test_sim_command_writes_a_world_and_refuses_a_non_empty_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "w"
    main(["sim", "--seed", "3", "--scale", "tiny", "--days", "2", "--out", str(out)])
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["seed"] == 3 and manifest["spec"]["days"] == 2
    assert (out / "events" / "front.parquet").stat().st_size > 0
    assert "events/s" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["sim", "--scale", "tiny", "--out", str(out)])
    assert exc.value.code == 2
    assert "not empty" in capsys.readouterr().err

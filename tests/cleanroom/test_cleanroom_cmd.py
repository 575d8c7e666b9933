from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import seedtrail

SRC = str(Path(seedtrail.__file__).resolve().parents[1])


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", "cleanroom", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": SRC},
    )


def test_two_parties_and_a_joiner_on_files(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "uid": [f"u{i}" for i in range(300)],
                "phone": [f"1390000{i:04d}" for i in range(300)],
            }
        ),
        tmp_path / "a.parquet",
    )
    lines = ["mobile,device"] + [f"+86 139 0000 {i:04d},D{i}" for i in range(100, 400)]
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    steps = [
        ["new-run", "--out", "run.json"],
        ["blind", "--run", "run.json", "--party", "a", "--input", "a.parquet", "--phone", "phone",
         "--key-column", "uid", "--out", "a.tok.parquet", "--key", "a.key",
         "--handles", "a.h.parquet"],
        ["blind", "--run", "run.json", "--party", "b", "--input", "b.csv", "--phone", "mobile",
         "--device", "device", "--out", "b.tok.parquet", "--key", "b.key",
         "--handles", "b.h.parquet"],
        ["reblind", "--key", "b.key", "--input", "a.tok.parquet", "--out", "a.dbl.parquet"],
        ["reblind", "--key", "a.key", "--input", "b.tok.parquet", "--out", "b.dbl.parquet"],
        ["join", "--a", "a.dbl.parquet", "--b", "b.dbl.parquet", "--out", "m.parquet",
         "--report", "r.json"],
    ]  # fmt: skip
    for step in steps:
        out = run(tmp_path, *step)
        assert out.returncode == 0, (step, out.stderr)
    assert stat.S_IMODE((tmp_path / "a.key").stat().st_mode) == 0o600
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["matched_people"] == 200
    matches = pq.read_table(tmp_path / "m.parquet")
    handles = pq.read_table(tmp_path / "a.h.parquet")
    keys = dict(zip(handles["handle"].to_pylist(), handles["key"].to_pylist(), strict=True))
    assert {keys[h] for h in matches["a_handle"].to_pylist()} == {f"u{i}" for i in range(100, 300)}


def test_wrong_stage_is_one_red_line(tmp_path: Path) -> None:
    assert run(tmp_path, "new-run", "--out", "run.json").returncode == 0
    (tmp_path / "a.csv").write_text("phone\n13900000001\n")
    args = ["--party", "a", "--input", "a.csv", "--phone", "phone", "--out", "t.parquet"]
    assert (
        run(
            tmp_path, "blind", "--run", "run.json", *args, "--key", "k", "--handles", "h.parquet"
        ).returncode
        == 0
    )
    out = run(
        tmp_path, "join", "--a", "t.parquet", "--b", "t.parquet", "--out", "m", "--report", "r"
    )
    assert out.returncode == 2
    assert "stage 'blinded', expected 'double'" in out.stderr
    assert "Traceback" not in out.stderr


def test_match_runs_both_parties_and_the_joiner_in_separate_folders(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "user_key": [f"u{i}" for i in range(300)],
                "phone": [f"1390000{i:04d}" for i in range(300)],
                "device_id": [f"d{i}" for i in range(300)],
            }
        ),
        tmp_path / "users.parquet",
    )
    lines = ["customer,mobile,device_id"] + [
        f"c{i},+86 139 0000 {i:04d},D{i}" for i in range(100, 400)
    ]
    (tmp_path / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["match", "--community", "users.parquet", "--shop", "customers.csv"]
    args += ["--partner", "jd", "--out", "cr", "--shop-key", "customer", "--shop-phone", "mobile"]
    out = run(tmp_path, *args)
    assert out.returncode == 0, out.stderr
    assert "matched people 200" in " ".join(out.stdout.split())
    report = json.loads((tmp_path / "cr/jd/joiner/report.json").read_text())
    assert report["matched_people"] == 200 and report["b_rows"] == 300
    assert sorted(p.name for p in (tmp_path / "cr/jd/community").iterdir()) == [
        "a.handles.parquet",
        "a.key.json",
        "a.tokens.parquet",
        "run.json",
    ]
    shop = pq.read_table(tmp_path / "cr/jd/shop/b.handles.parquet")
    assert set(shop["key"].to_pylist()) == {f"c{i}" for i in range(100, 400)}
    again = run(tmp_path, *args)
    assert again.returncode == 2 and "already holds a matching run" in again.stderr
    assert "Traceback" not in again.stderr

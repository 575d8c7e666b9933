from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cleanroom_helpers import PERIOD, funnel_rows
from openpyxl import load_workbook

import seedtrail
from seedtrail.cleanroom.export import export_release
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.core.errors import InvalidInput

ROWS = {("小红", "n1"): 60, ("小红", "n2"): 3, ("c2", "n3"): 80}


def release(template: str = "funnel_by_note"):  # type: ignore[no-untyped-def]
    request = ReportRequest(template, "brand", 1, PERIOD)
    return run_report(funnel_rows(ROWS), request, ReleasePolicy(k=50))


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_exports_hold_only_released_cells(tmp_path: Path, suffix: str) -> None:
    path = export_release(release(), tmp_path / f"r{suffix}")
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(text.splitlines()))
    elif suffix == ".parquet":
        table = pq.read_table(path)
        assert json.loads(table.schema.metadata[b"seedtrail.release"])["k"] == 50
        rows = table.to_pylist()
    else:
        sheet = load_workbook(path)["report"]
        values = list(sheet.values)
        rows = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    assert {r["note_id"] or None for r in rows} == {None, "other", "n3"}  # n2 never shown
    assert all(float(r["people"]) >= 50 for r in rows)
    assert "小红" in {r["creator_id"] for r in rows}


def test_roas_uses_the_brand_spend_for_the_same_cells(tmp_path: Path) -> None:
    rel = release("roas")
    spend = {("小红", "n1"): 1000.0, ("小红", "n2"): 500.0, ("c2", "n3"): 4000.0}
    with pytest.raises(InvalidInput, match="spend"):
        export_release(rel, tmp_path / "x.csv")
    table = pq.read_table(export_release(rel, tmp_path / "r.parquet", spend))
    out = {(r["creator_id"], r["note_id"]): r for r in table.to_pylist()}
    # n2 (3 people) hides with n1 in 小红's "other": 63 people, 6300 GMV on 1500 spend.
    assert out[("小红", "other")]["roas"] == pytest.approx(6300 / 1500)
    assert out[(None, None)]["roas"] == pytest.approx(14300 / 5500)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="format"):
        export_release(release(), tmp_path / "r.json")


def test_report_command_with_dp_and_budget(tmp_path: Path) -> None:
    rows = funnel_rows({("c1", "n1"): 400, ("c1", "n2"): 300})
    pq.write_table(rows, tmp_path / "rows.parquet")
    env = {**os.environ, "PYTHONPATH": str(Path(seedtrail.__file__).resolve().parents[1])}

    def seedtrail_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "seedtrail", "--data-dir", str(tmp_path / "d"), *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return seedtrail_cli("cleanroom", *args)

    budget = ["budget", "--brand", "b", "--campaign", "1", "--period", PERIOD.isoformat()]
    assert "seedtrail init" in cli(*budget).stderr
    assert seedtrail_cli("init").returncode == 0  # the ledger lives in the store

    args = ["--rows", str(tmp_path / "rows.parquet"), "--template", "funnel_by_note"]
    args += ["--brand", "b", "--campaign", "1", "--period", PERIOD.isoformat()]
    for i in range(4):
        out = cli("report", *args, "--dp", "--out", str(tmp_path / f"r{i}.xlsx"))
        assert out.returncode == 0, out.stderr
    out = cli("report", *args, "--dp", "--out", str(tmp_path / "r5.xlsx"))
    assert out.returncode == 2
    assert "privacy budget exhausted" in out.stderr
    assert not (tmp_path / "r5.xlsx").exists()
    assert "spent 4 of 4" in cli(*budget).stdout
    k_mode = cli("report", *args, "--out", str(tmp_path / "k.csv"))
    assert k_mode.returncode == 0, k_mode.stderr
    audited = seedtrail_cli("audit", "--action", "cleanroom.report", "--json")
    assert audited.returncode == 0, audited.stderr
    assert len(json.loads(audited.stdout)) == 5  # four DP releases and one k release

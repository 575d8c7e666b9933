from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from seedtrail.integrity.evaluation.injection import Setting, inject

SETTING = Setting(0.1, "random", False, accounts=3000, notes=800, organic_comments=30_000)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", *args], capture_output=True, text=True, check=False
    )


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_scan_writes_one_line_per_text(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "c.jsonl",
        [
            {"id": "a", "text": "加我薇信 abc_123456"},
            {"id": "b", "text": "七天祛斑，100%有效"},
            {"id": "c", "text": "¥199 到手 165cm 50kg 穿M码"},
        ],
    )
    out = tmp_path / "f.jsonl"
    res = run("integrity", "scan", "--input", str(src), "--output", str(out))
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [(r["id"], r["labels"]) for r in lines] == [
        ("a", ["diversion"]),
        ("b", ["claim"]),
        ("c", []),
    ]
    wechat = [f for f in lines[0]["findings"] if f["kind"] == "wechat"]
    assert wechat == [{"kind": "wechat", "value": "abc_123456", "span": [5, 15]}]
    assert "3 texts scanned" in res.stdout
    flagged = tmp_path / "g.jsonl"
    res = run("integrity", "scan", "--input", str(src), "--output", str(flagged), "--flagged-only")
    assert res.returncode == 0 and len(flagged.read_text("utf-8").splitlines()) == 2


def test_bad_json_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', encoding="utf-8")
    out = tmp_path / "f.jsonl"
    res = run("integrity", "scan", "--input", str(src), "--output", str(out))
    assert res.returncode == 2
    assert f"{src}:2: not valid JSON" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_campaigns_from_jsonl(tmp_path: Path) -> None:
    act, truth = inject(SETTING, seed=8)
    rows = [
        {
            "id": f"c{i}",
            "text": "评论",
            "author": act.author_names[a],
            "note_id": act.note_names[n],
            "ts": datetime.fromtimestamp(1_740_787_200 + t, UTC).isoformat(),
        }
        for i, (a, n, t) in enumerate(zip(act.author, act.note, act.ts, strict=True))
    ]
    src = _write(tmp_path / "c.jsonl", rows)
    out = tmp_path / "camp.jsonl"
    res = run("integrity", "campaigns", "--input", str(src), "--output", str(out))
    assert res.returncode == 0, res.stderr
    found = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert found, res.stdout
    top = found[0]
    assert set(top) >= {"accounts", "comments", "notes", "score", "evidence"}
    members = {int(a[1:]) for a in top["accounts"]}
    fraud = {i for i, t in enumerate(truth) if t}
    assert len(members & fraud) >= 0.9 * len(members)
    assert len(members & fraud) >= 0.9 * len(fraud)
    assert all(c.startswith("c") for c in top["comments"])


def test_needs_exactly_one_source(tmp_path: Path) -> None:
    res = run("integrity", "scan", "--output", str(tmp_path / "f.jsonl"))
    assert res.returncode == 2
    assert "exactly one of --input FILE, --world DIR or --store" in res.stderr

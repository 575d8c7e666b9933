"""``seedtrail validate coverage`` prints one line per interval kind."""

from __future__ import annotations

import pytest

from seedtrail.cli.main import main
from seedtrail.validate.coverage import KINDS


def test_prints_one_line_per_kind(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the coverage lines are machine lines: the same under a Chinese locale (docs/i18n.md)
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh_CN")
    main(["validate", "coverage", "--seeds", "2", "--scale", "tiny"])
    out = capsys.readouterr().out
    assert "95% 区间覆盖模拟真实值的比例" in out and "不包含其估计值或低于零的区间" in out
    lines = [ln for ln in out.splitlines() if ln.startswith("coverage ")]
    assert [ln.split()[1] for ln in lines] == list(KINDS)
    assert all("(2 worlds" in ln for ln in lines)
    # a fraction or n/a, never a made-up number
    assert all(ln.split()[2] == "n/a" or 0.0 <= float(ln.split()[2]) <= 1.0 for ln in lines)

"""``seedtrail audit`` and ``seedtrail clicks`` as an operator runs them: bad option values are
usage errors (exit 2), never an internal error or a silently unbounded list."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedtrail.cli.main import main


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    try:
        main(["--data-dir", str(data), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "--limit", "0"),
        ("audit", "--limit", "-1"),
        ("clicks", "--limit", "-1"),
        ("clicks", "--limit", "1001"),
        ("accounts", "list", "--limit", "-5"),
        ("accounts", "list", "--offset", "-1"),
        ("cases", "list", "--limit", "0"),
    ],
)
def test_a_limit_out_of_range_is_a_usage_error_in_the_readers_language(
    args: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    code, _, err = run(capsys, tmp_path, *args)
    assert code == 2 and "Invalid value for '--" in err, err
    assert "internal error" not in err and "Traceback" not in err
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, _, err = run(capsys, tmp_path, *args)
    assert code == 2 and "的值无效" in err and "Invalid" not in err, err

"""``seedtrail lake``: an unknown ``--type`` is refused with the types there are (it printed a
table of zeros and exit 0)."""

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
    return code, out.out, " ".join(out.err.split())


@pytest.mark.parametrize("command", ["stats", "compact"])
def test_an_unknown_type_is_refused_with_the_known_ones(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    code, out, err = run(capsys, tmp_path, "lake", command, "--type", "bogus")
    assert code == 2 and out == "", out
    assert err.startswith("error: --type must be one of impression, read,"), err
    assert "purchase" in err and err.endswith("not 'bogus'"), err
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, _, err = run(capsys, tmp_path, "lake", command, "--type", "bogus")
    assert code == 2 and err.startswith("错误：--type 只能是 impression,"), err
    code, _, err = run(capsys, tmp_path, "lake", command, "--type", "purchase")
    assert code == 0, err

"""The CLI run in the test's own process, as a user would type it: ``seedtrail --data-dir DATA
ARGS``; its exit status and what it printed (pytest's ``capsys``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedtrail.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    """``(exit status, standard output, standard error)``."""
    try:
        main(["--data-dir", str(data), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err

"""Usage mistakes on every command of the CLI, generated from its Typer/Click command tree (a
command added later is covered at once): an unknown option, and a command run without its
required options or arguments, print the usual usage message and exit with status 2, never
"internal error" (issue 16: ``seedtrail health --jsn`` and a missing option were crashes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from seedtrail.cli import main as main_mod

ROOT = typer.main.get_command(main_mod.app)


def _walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


TREE = list(_walk(ROOT, ()))
LEAVES = [(path, cmd) for path, cmd in TREE if not hasattr(cmd, "commands")]
REQUIRED = [(path, cmd) for path, cmd in LEAVES if any(p.required for p in cmd.params)]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main_mod.main(args)
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def _usage_error(code: int, err: str, args: list[str]) -> None:
    assert code == 2, (args, code, err)
    assert "Usage:" in err, (args, err)
    assert "internal error" not in err, (args, err)
    assert "Traceback" not in err, (args, err)


def test_the_tree_is_the_whole_cli() -> None:
    names = {" ".join(path) for path, _ in LEAVES}
    assert {"init", "keys create", "health show", "mounts create", "cases act"} <= names
    assert len(LEAVES) > 60 and len(REQUIRED) > 20


@pytest.mark.parametrize("path", [p for p, _ in TREE], ids=lambda p: " ".join(p) or "seedtrail")
def test_an_unknown_option_is_a_usage_error(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*path, "--no-such-option"]
    code, err = _run(args, capsys)
    _usage_error(code, err, args)
    assert "--no-such-option" in err


@pytest.mark.parametrize("path", [p for p, _ in REQUIRED], ids=" ".join)
def test_a_missing_required_parameter_is_a_usage_error(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    args = ["--data-dir", str(tmp_path), *path]
    code, err = _run(args, capsys)
    _usage_error(code, err, args)
    assert "Missing" in err, err


def test_health_json_is_an_option_of_health_show_and_a_typo_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    """The issue's example, ``seedtrail health --json``: health shows by default, and ``--json``
    is now its option; a misspelt one is a usage error."""
    assert "--json" in {o for p in dict(TREE)[("health", "show")].params for o in p.opts}
    code, err = _run(["health", "--jsn"], capsys)
    _usage_error(code, err, ["health", "--jsn"])

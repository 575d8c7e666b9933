from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", *args], capture_output=True, text=True, check=False
    )


def test_version() -> None:
    out = run("version")
    assert out.returncode == 0
    assert out.stdout.strip().count(".") == 2


def test_config_error_is_one_line_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "c.toml"
    bad.write_text("port = [")
    out = run("--config", str(bad), "config")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "not valid TOML" in out.stderr


def test_config_redacts_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.toml"
    cfg.write_text('secret_key = "hunter2-very-secret"\n')
    out = run("--config", str(cfg), "config")
    assert out.returncode == 0, out.stderr
    assert "hunter2" not in out.stdout


def test_exit_codes_of_commands_reach_the_shell(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest
    import typer

    from seedtrail.cli import main as main_mod

    probe = typer.Typer()

    @probe.command()
    def check(code: int) -> None:
        raise typer.Exit(code)

    monkeypatch.setattr(main_mod, "app", probe)
    with pytest.raises(SystemExit) as failed:
        main_mod.main(["3"])
    assert failed.value.code == 3
    main_mod.main(["0"])  # success returns normally


def test_usage_mistakes_print_usage_and_exit_2() -> None:
    for args in (("health", "--no-such-option"), ("keys", "create")):
        out = run(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert "internal error" not in out.stderr
        assert "Usage:" in out.stderr, out.stderr


def test_messages_follow_the_terminals_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    data = str(tmp_path / "d")
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}

    def in_lang(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "seedtrail", "--data-dir", data, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**env, "LANG": lang, "SEEDTRAIL_LANG": ""},
        )

    assert in_lang("C.UTF-8", "init", "--operator-key", "admin").returncode == 0
    zh = in_lang("zh_CN.UTF-8", "notes", "show", "999")
    assert zh.returncode == 2 and zh.stderr.strip() == "错误: 未找到笔记 999"
    en = in_lang("C.UTF-8", "notes", "show", "999")
    assert en.returncode == 2 and en.stderr.strip() == "error: note 999 not found"

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
    assert zh.returncode == 2 and zh.stderr.strip() == "错误：未找到笔记 999"
    en = in_lang("C.UTF-8", "notes", "show", "999")
    assert en.returncode == 2 and en.stderr.strip() == "error: note 999 not found"


def test_error_lines_take_their_separator_from_the_catalogue(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """An error's label and separator are one message: full-width in Chinese, as usage errors
    are (``错误：``, not ``错误: ``); an internal error's text is shown as it is, not as markup."""
    import pytest
    import typer

    from seedtrail.cli import main as main_mod
    from seedtrail.core.errors import InvalidInput
    from seedtrail.messages import Msg

    probe = typer.Typer()

    @probe.command()
    def fail(kind: str) -> None:
        if kind == "user":
            raise InvalidInput(Msg("problem.invalid-input.pair", {"value": "'[x]'"}))
        raise RuntimeError("boom [bold]")

    monkeypatch.setattr(main_mod, "app", probe)
    said = {}
    for lang in ("zh-CN", "en"):
        monkeypatch.setenv("SEEDTRAIL_LANG", lang)
        for kind in ("user", "internal"):
            with pytest.raises(SystemExit):
                main_mod.main([kind])
            said[lang, kind] = " ".join(capsys.readouterr().err.split())
    assert said["zh-CN", "user"] == "错误：应为 字段=值，实际是 '[x]'"
    assert said["zh-CN", "internal"] == (
        "内部错误：RuntimeError: boom [bold]（加 --debug 运行可查看调用栈）"
    )
    assert said["en", "user"] == "error: expected field=value, got '[x]'"
    assert said["en", "internal"] == (
        "internal error: RuntimeError: boom [bold] (run with --debug for the traceback)"
    )


def test_a_data_directory_that_does_not_exist_is_left_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reading commands created the folder and an empty seedtrail.db, then said "schema is at
    nothing"; they say there is no data there and create nothing; init creates it."""
    import os

    where = tmp_path / "nowhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEEDTRAIL_", "LC_"))}

    def in_lang(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "seedtrail", "--data-dir", str(where), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**env, "SEEDTRAIL_LANG": lang},
        )

    for args in (("accounts", "list"), ("cases", "list"), ("lake", "seal")):
        zh = in_lang("zh-CN", *args)
        assert zh.returncode == 2 and zh.stderr.startswith(f"错误：{where} 中没有 seedtrail 数据")
        assert "seedtrail init" in zh.stderr and not where.exists(), zh.stderr
    en = in_lang("en", "audit")
    assert en.returncode == 2 and not where.exists()
    assert en.stderr.startswith(f"error: there is no seedtrail data in {where}: run `seedtrail")
    assert in_lang("en", "init").returncode == 0 and (where / "seedtrail.db").exists()
    assert in_lang("en", "accounts", "list").returncode == 0

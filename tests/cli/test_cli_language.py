"""The CLI speaks the terminal's language (docs/i18n.md): every help text of the command tree has
a zh-CN and an English text, the English one is the help written in the code, and the help and
the commands' output read in Chinese under a Chinese locale and in English otherwise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main

from seedtrail import messages
from seedtrail.cli import helptext
from seedtrail.cli.main import app

HAN = re.compile(r"[\u4e00-\u9fff]")
ENV = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "SEEDTRAIL_LANG")}


def run(lang: str, *args: str, seedtrail_lang: str = "") -> subprocess.CompletedProcess[str]:
    env = {**ENV, "LANG": lang, "SEEDTRAIL_LANG": seedtrail_lang, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def test_every_help_text_has_a_chinese_text_and_its_english_one_is_the_codes() -> None:
    tree = list(helptext.helped(typer.main.get_command(app)))
    helped = [(key, obj.help) for key, obj in tree if obj.help]
    assert len(helped) > 250, len(helped)
    missing = [key for key, _ in helped if not messages.has("zh-CN", key)]
    assert not missing, f"help without a zh-CN text: {missing}"
    english = {key: text for key, text in helped if messages.translate("en", key) != text}
    assert not english, f"the English catalogue differs from the help in the code: {english}"
    assert all(HAN.search(messages.translate("zh-CN", key)) for key, _ in helped)
    assert len({key for key, _ in tree}) == len(tree), "two help texts share a key"


def test_help_reads_in_chinese_under_a_chinese_locale_and_in_english_otherwise() -> None:
    zh = run("zh_CN.UTF-8", "policy", "impact", "--help")
    assert zh.returncode == 0, zh.stderr
    assert "估计一次策略变更" in zh.stdout and "选项" in zh.stdout
    assert "显示本帮助并退出" in zh.stdout and "[默认：category]" in zh.stdout
    assert "Estimate a policy change" not in zh.stdout and "Show this message" not in zh.stdout

    en = run("C.UTF-8", "policy", "impact", "--help")
    assert en.returncode == 0, en.stderr
    assert "Estimate a policy change" in en.stdout and "Options" in en.stdout
    assert "[default: category]" in en.stdout and not HAN.search(en.stdout)

    root = run("zh_CN.UTF-8", "--help", seedtrail_lang="en")  # SEEDTRAIL_LANG wins over LANG
    assert "Create or upgrade the database schema." in root.stdout and not HAN.search(root.stdout)
    root = run("en_US.UTF-8", "--help", seedtrail_lang="zh-CN")
    assert "创建或升级数据库结构" in root.stdout and "命令" in root.stdout


def test_command_output_follows_the_terminals_language(tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path / "d"))
    zh = run("zh_CN.UTF-8", *data, "init")
    assert zh.returncode == 0, zh.stderr
    assert zh.stdout.startswith("数据库结构已升级：空 → "), zh.stdout
    en = run("C.UTF-8", *data, "init")
    assert en.stdout.startswith("schema already at "), en.stdout

    assert run("zh_CN.UTF-8", *data, "notes", "list").stdout.strip() == "没有笔记"
    assert run("C.UTF-8", *data, "notes", "list").stdout.strip() == "no notes"

    bad = ("partners", "create", "slug")
    zh = run("zh_CN.UTF-8", *data, *bad)
    assert zh.returncode == 2 and zh.stderr.strip() == "错误：应为 字段=值，实际是 'slug'"
    en = run("C.UTF-8", *data, *bad)
    assert en.returncode == 2 and en.stderr.strip() == "error: expected field=value, got 'slug'"

    events = tmp_path / "e.jsonl"
    events.write_text("{}\n", "utf-8")
    zh = run("zh_CN.UTF-8", *data, "import", str(events), "--kind", "side")
    assert zh.stderr.strip() == "错误：--kind 只能是 front, back, orders 之一，不能是 'side'"
    zh = run("zh_CN.UTF-8", *data, "import", str(events), "--kind", "front")
    assert "读取 1，存入 0，已存在 0，拒绝 1" in zh.stdout, zh.stdout + zh.stderr
    assert zh.returncode == 2 and "1 条记录中有 1 条被拒绝" in zh.stderr

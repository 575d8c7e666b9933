"""The report tables `seedtrail report build|show|score` print, and Click's usage errors, read in
the terminal's language (docs/i18n.md), in process: the figures as given, the words around them
from the catalogues; in English, Click's own words."""

from __future__ import annotations

import io
import re

import click
import pytest
import typer.main

from seedtrail.cli import attribute_report_cmd as report_cmd
from seedtrail.cli.context import console
from seedtrail.cli.main import app, main
from seedtrail.cli.store_cmd import show_rows

HAN = re.compile(r"[\u4e00-\u9fff]")
LIFT = {
    "key": "c7", "incremental_purchases": 12.5, "incremental_purchases_ci_low": 3.0,
    "incremental_purchases_ci_high": 22.0, "true_incremental_purchases": 11,
    "incremental_gmv": 1800.0, "incremental_gmv_ci_low": 400.0, "incremental_gmv_ci_high": 3200.0,
    "true_incremental_gmv": 1650.0, "mde_purchases": 9.0, "power_purchases": 0.41,
}  # fmt: skip
CHOSEN = {
    "model": "last_touch",
    "why": "",
    "agreement": {"last_touch": {"gap_purchases": 2.5, "error": 0.2, "campaigns": 1}},
    "calibrated": {
        "base_model": "last_touch",
        "pooled": {"factor": 0.8, "sd": 0.1, "prior": 1.0, "prior_sd": 0.5, "measured": True,
                   "tau": 0.05},
        "campaigns": [
            {"campaign": "c7", "status": "not_enough_data", "attributed_purchases": 10.0,
             "raw_factor": None, "factor": 0.8, "calibrated_purchases": 8.0,
             "calibrated_ci_low": None, "calibrated_ci_high": None},
        ],
    },
}  # fmt: skip
SCORES = [{"model": "last_touch", "credited_purchases": 10.0, "wmape": 0.31}]


def _printed(capsys: pytest.CaptureFixture[str]) -> str:
    thin = {**LIFT, "key": "c8", "enough_data": False, "buyers_exposed": 3, "buyers_holdout": 2}
    report_cmd.print_lift([LIFT, thin], {"c7": 10.0})
    report_cmd.print_calibration(CHOSEN)
    report_cmd.print_scores(SCORES)
    return " ".join(capsys.readouterr().out.split())


def test_report_tables_read_in_chinese_under_a_chinese_locale_and_in_english_otherwise(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 400)
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh_CN")
    zh = _printed(capsys)
    for said in (
        *("随机对照组测得的提升", "数据不足（3 / 2 名购买者）", "按提升校准（基础模型 last_touch"),
        *("合并系数 0.800 ± 0.100", "各模型与真实数据的对比", "加权平均绝对百分比误差"),
    ):
        assert said in zh, said
    assert not re.search(r"lift from|not enough data|pooled factor|ground truth", zh)
    assert "12.5 [3.0, 22.0]" in zh  # the figures are the same in both

    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    en = _printed(capsys)
    for said in ("lift from the randomized holdout", "not enough data (3 / 2 buyers)",
                 "calibrated by lift (base model last_touch", "pooled factor 0.800 ± 0.100",
                 "models against the ground truth", "wmape", "12.5 [3.0, 22.0]"):  # fmt: skip
        assert said in en, said
    assert not HAN.search(en), en


USAGE_ERRORS = (
    ["cases", "list", "--nope"],  # no such option, with the possible ones
    ["partners", "create"],  # missing argument
    ["notes", "lst"],  # no such command, did you mean
    ["validate", "coverage", "--seeds", "0"],  # a value pydantic refused, by its type
    ["notes", "list", "extra"],  # an extra argument
)


def _usage_error(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str
) -> str:
    monkeypatch.setenv("SEEDTRAIL_LANG", lang)
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    return capsys.readouterr().err


def test_click_usage_errors_read_in_the_terminals_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    zh = [_usage_error(a, capsys, monkeypatch, "zh_CN") for a in USAGE_ERRORS]
    said = (
        *("没有这个选项：--nope（可用的选项：", "缺少参数 'pairs'"),
        *("没有这个命令 'lst'。您是指 'list'", "'--seeds' 的值无效：应大于或等于 1"),
        "收到多余的参数（extra）",
    )
    for err, words in zip(zh, said, strict=True):
        assert words in err and "用法：" in err and "查看帮助" in err, err
        assert not re.search(r"Error|Usage|No such|Missing|Invalid|unexpected", err), err
    # in English the lines are Click's own, word for word
    for args in USAGE_ERRORS:
        en = _usage_error(args, capsys, monkeypatch, "en")
        with pytest.raises((click.ClickException, typer.TyperException)) as raised:
            typer.main.get_command(app)(args=args, standalone_mode=False)
        shown = io.StringIO()
        raised.value.show(shown)  # type: ignore[call-arg]
        assert en.split() == shown.getvalue().split() and not HAN.search(en)


def test_table_headings_are_the_fields_in_english_and_the_dashboards_words_in_chinese(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"id": 7, "handle": "xiaohong", "status": "active"}]
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh_CN")
    show_rows(rows, False, "accounts")
    zh = capsys.readouterr().out
    assert "账号" in zh and "状态" in zh and "handle" not in zh and "status" not in zh
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    show_rows(rows, False, "accounts")
    en = capsys.readouterr().out
    assert "handle" in en and "status" in en and not HAN.search(en)

"""``seedtrail audit`` and ``seedtrail clicks`` as an operator runs them: bad option values are
usage errors (exit 2), never an internal error or a silently unbounded list; the audit log reads
as the dashboard's does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run_cli as run
from seedtrail.cli import context


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


def test_the_audit_log_reads_like_the_dashboards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.console, "_width", 200)  # (the property setter has no undo)
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    assert run(capsys, tmp_path, "init")[0] == 0
    partner = ("partners", "create", "slug=shop", "name=Shop", "kind=web_shop",
               'allowed_hosts=["shop.example.com"]',
               "web_url_template=https://shop.example.com/p/{item_id}")  # fmt: skip
    assert run(capsys, tmp_path, *partner)[0] == 0
    assert run(capsys, tmp_path, "policy", "kill-switch", "1", "--reason", "接口故障")[0] == 0
    code, out, _ = run(capsys, tmp_path, "audit")
    said = " ".join(out.split())
    # one column per thing the dashboard shows; the change as JSON, never a Python repr
    assert code == 0 and "对象" in said and "变更" in said and "partner 1" in said, said
    assert '{"links_enabled":' in said and "→" in said and "接口故障" in said, said
    assert "True" not in said and "{'" not in said and "detail" not in said, said
    code, out, _ = run(capsys, tmp_path, "audit", "--json")
    assert json.loads(out)[0]["detail"] == {"reason": "接口故障"}  # scripts get every field

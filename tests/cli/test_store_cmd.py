"""The CLI as a user runs it: init, create objects, mount under the policy, kill switch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run_cli
from seedtrail import messages
from seedtrail.cli import context
from seedtrail.store import schema

HAN = re.compile(r"[\u4e00-\u9fff]")


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_world_and_policy(tmp_path: Path) -> None:
    out = cli(tmp_path, "accounts", "list")
    assert out.returncode == 2 and "seedtrail init" in out.stderr
    out = cli(tmp_path, "init", "--operator-key", "admin")
    assert out.returncode == 0 and "st_" in out.stdout
    steps = [
        ("accounts", "create", "handle=b", "display_name=品牌", "kind=brand", "verified=true"),
        (
            "partners",
            "create",
            "slug=shop",
            "name=Shop",
            "kind=web_shop",
            'allowed_hosts=["shop.example.com"]',
            "web_url_template=https://shop.example.com/p/{item_id}",
        ),
        ("notes", "create", "author_id=1", "title=好物分享", "category=home"),
        (
            "offers",
            "create",
            "partner_id=1",
            "owner_id=1",
            "item_id=9",
            "title=台灯",
            "price=88",
            "category=home",
        ),
    ]
    for step in steps:
        out = cli(tmp_path, *step)
        assert out.returncode == 0, out.stderr
    denied = cli(tmp_path, "mounts", "create", "placement=note_card", "offer_id=1", "note_id=1")
    assert denied.returncode == 2 and "no rule opens links" in denied.stdout + denied.stderr
    assert (
        cli(tmp_path, "rules", "create", "name=home", "effect=open", "category=home").returncode
        == 0
    )
    ok = cli(tmp_path, "mounts", "create", "placement=note_card", "offer_id=1", "note_id=1")
    assert ok.returncode == 0 and "allowed" in ok.stdout
    bad = cli(
        tmp_path,
        "offers",
        "create",
        "partner_id=1",
        "owner_id=1",
        "url=javascript:x",
        "title=t",
        "price=1",
        "category=home",
    )
    assert bad.returncode == 2 and "forbidden scheme" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert cli(tmp_path, "policy", "kill-switch", "1", "--reason", "outage").returncode == 0
    audit = json.loads(cli(tmp_path, "audit", "--json").stdout)
    actions = [a["action"] for a in audit]
    assert "partner.kill_switch" in actions and actions.count("mount.decision") == 2
    bad_field = cli(tmp_path, "accounts", "create", "handle=x", "kind=alien")
    assert bad_field.returncode == 2 and "kind" in bad_field.stderr


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, data, *args)
    return code, " ".join((out + err).split())


def test_tables_show_the_dashboards_labels_not_stored_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.console, "_width", 200)  # (the property setter has no undo)
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert _run(capsys, tmp_path, "init")[0] == 0
    for handle in ("b1", "b2"):
        code, said = _run(capsys, tmp_path, "accounts", "create", f"handle={handle}",
                          "display_name=Shop", "kind=brand", "follower_count=12345")  # fmt: skip
        assert code == 0, said
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    for args in (("accounts", "list"), ("accounts", "show", "1")):
        code, zh = _run(capsys, tmp_path, *args)
        # the kind and status as the dashboard says them, a yes/no as ✓/✗, a count grouped,
        # a time in the locale's format (no microseconds, no +00:00)
        assert code == 0 and "品牌" in zh and "正常" in zh and "✗" in zh, zh
        assert "12,345" in zh and "年" in zh and "+00:00" not in zh, zh
        assert not re.search(r"\b(brand|active|False|None)\b", zh), zh
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    code, en = _run(capsys, tmp_path, "accounts", "show", "1")
    assert code == 0 and "brand" in en and "active" in en and not HAN.search(en), en
    code, raw = _run(capsys, tmp_path, "accounts", "show", "1", "--json")
    assert json.loads(raw)[0]["status"] == "active"  # scripts still get the stored values


def test_every_stored_word_a_table_labels_has_a_label_in_both_languages() -> None:
    from seedtrail.cli.cases_cmd import QUEUE_TERMS
    from seedtrail.cli.links_cmd import CLICK_TERMS
    from seedtrail.core.catalog import CRUD
    from seedtrail.links import mounts

    values = {
        "state": (*schema.ACCOUNT_STATUSES, *schema.NOTE_STATUSES, *schema.COMMENT_STATUSES,
                  *schema.MOUNT_STATUSES, "paused", "ended", "pending", "revoked", "inactive"),
        "kind": schema.ACCOUNT_KINDS, "partner_kind": schema.PARTNER_KINDS,
        "placement": schema.PLACEMENTS, "effect": schema.RULE_EFFECTS, "ad": schema.AD_LABELS,
        "case.status": schema.CASE_STATUSES, "severity": ("low", "medium", "high", "critical"),
    }  # fmt: skip
    families = {f for res in (*CRUD, mounts.RESOURCE) for f in res.terms.values()}
    families |= {f for f in QUEUE_TERMS.values() if f != "detector"} | set(CLICK_TERMS.values())
    for family in families:
        for value in values[family]:
            for lang in messages.LANGS:
                assert messages.has(lang, f"{family}.{value}"), (lang, family, value)


def test_a_filter_value_the_column_never_holds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--where kind=bogus`` named the values a kind can be (it listed no accounts, exit 0);
    a column that holds any value (a note's author) still filters freely."""
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert _run(capsys, tmp_path, "init")[0] == 0
    code, said = _run(capsys, tmp_path, "accounts", "list", "--where", "kind=bogus")
    assert code == 2, said
    assert said == "error: kind must be one of creator, brand, enterprise, buyer, not 'bogus'"
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, said = _run(capsys, tmp_path, "notes", "list", "--where", "status=gone")
    assert code == 2, said
    assert said == "错误：status 只能是 normal, throttled, removed 之一，不能是 'gone'"
    assert _run(capsys, tmp_path, "accounts", "list", "--where", "kind=brand")[0] == 0
    assert _run(capsys, tmp_path, "notes", "list", "--where", "author_id=7")[0] == 0

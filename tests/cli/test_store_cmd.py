"""The CLI as a user runs it: init, create objects, mount under the policy, kill switch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


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

"""``seedtrail cases`` as a moderator runs it: import detections, list the queue, show a case,
act, appeal, decide; errors are one line without a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from clirun import run_cli as run
from factories import OPERATOR, build_world, campaign_cases
from seedtrail import messages
from seedtrail.community import notes
from seedtrail.core import resources
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.schema import comments as comments_table
from seedtrail.store.store import Store


def test_cases_cli_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    w = build_world(store)
    store.dispose()
    texts = tmp_path / "comments.jsonl"
    texts.write_text(
        json.dumps(
            {
                "id": 501,
                "text": "私我 V信 abc_12345",
                "author": w.ids["other_creator"],
                "note_id": w.ids["note"],
            },
            ensure_ascii=False,
        )
        + "\n",
        "utf-8",
    )
    findings = tmp_path / "findings.jsonl"
    findings.write_text(
        json.dumps(
            {
                "id": 501,
                "labels": ["diversion"],
                "findings": [{"kind": "wechat", "value": "abc_12345", "span": [6, 15]}],
            }
        )
        + "\n",
        "utf-8",
    )
    code, out, err = run(
        capsys, tmp_path, "cases", "import", "--findings", str(findings), "--texts", str(texts)
    )
    assert code == 0, err
    assert "1 lines: 1 cases opened, 0 already open, 0 automatic actions" in out
    code, out, _ = run(capsys, tmp_path, "cases", "list", "--json")
    rows = json.loads(out)
    assert [(r["detector"], r["severity_name"], r["subject_id"]) for r in rows] == [
        ("diversion", "high", 501)
    ]
    case = str(rows[0]["id"])
    code, out, _ = run(capsys, tmp_path, "cases", "show", case)
    assert "私我 V信 ⟦abc_12345⟧" in out and "wechat abc_12345" in out
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh_CN")  # the same case, read in Chinese
    code, zh, _ = run(capsys, tmp_path, "cases", "show", case)
    assert f"案件 {case}" in zh and "所有者" in zh and "私我 V信 ⟦abc_12345⟧" in zh
    assert messages.translate("zh-CN", "detector.diversion") in zh
    assert not re.search(r"owner|reach|case \d", zh), zh
    monkeypatch.delenv("SEEDTRAIL_LANG")

    code, _, err = run(capsys, tmp_path, "cases", "act", case, "ban", "--reason", "contact")
    assert code == 2 and "can get: label, hide, remove" in err and "Traceback" not in err
    # the comment was adopted into the store from --texts (its note and author are there)
    code, out, err = run(capsys, tmp_path, "cases", "act", case, "hide", "--reason", "contact")
    assert code == 0 and "hide on comment 501" in out, err
    code, out, _ = run(capsys, tmp_path, "cases", "appeal", case, "--statement", "朋友的号")
    assert code == 0 and "appeal 1 filed" in out
    code, _, err = run(capsys, tmp_path, "cases", "decide", "1", "maybe", "--reason", "hmm")
    assert code == 2 and "outcome" in err
    code, out, _ = run(
        capsys, tmp_path, "cases", "decide", "1", "overturned", "--reason", "朋友确认了"
    )
    assert code == 0 and "reversed actions [1]" in out  # the hide: the comment is visible again
    code, out, _ = run(capsys, tmp_path, "cases", "show", case, "--json")
    detail = json.loads(out)
    assert detail["status"] == "overturned" and detail["actions"][0]["reversed_at"]


def test_integrity_scan_output_imports_with_auto_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`seedtrail integrity scan` → `seedtrail cases import --auto`: the diversion comment in the
    store is labelled and hidden by the packaged rule; organic comments open nothing."""
    store = Store(make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    w = build_world(store)
    texts = {
        "想要的加薇信 abc_123456 送小样": w.ids["other_creator"],
        "快递三天就到了，包装很仔细": w.ids["creator"],
    }
    with store.transaction() as conn:
        ids = [
            resources.create(
                conn,
                notes.COMMENTS,
                OPERATOR,
                notes.CommentIn(note_id=w.ids["note"], author_id=author, body=text),
            )["id"]
            for text, author in texts.items()
        ]
    store.dispose()
    comments = tmp_path / "comments.jsonl"
    comments.write_text(
        "".join(
            json.dumps(
                {
                    "id": str(i),
                    "text": t,
                    "author": str(a),
                    "note_id": str(w.ids["note"]),
                    "ts": 1_740_000_000 + i,
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, (t, a) in zip(ids, texts.items(), strict=True)
        ),
        "utf-8",
    )
    findings = tmp_path / "findings.jsonl"
    code, _, err = run(
        capsys, tmp_path, "integrity", "scan", "--input", str(comments), "--output", str(findings)
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        tmp_path,
        "cases",
        "import",
        "--findings",
        str(findings),
        "--texts",
        str(comments),
        "--auto",
    )
    assert code == 0, err
    said = " ".join(out.split())  # rich wraps long lines
    assert "2 lines: 1 cases opened, 0 already open, 2 automatic actions" in said
    assert "(1 lines without labels skipped)" in said
    code, out, _ = run(capsys, tmp_path, "cases", "show", "1", "--json")
    case = json.loads(out)
    assert case["subject_id"] == ids[0] and case["owner_account_id"] == w.ids["other_creator"]
    assert [a["action"] for a in case["actions"]] == ["label", "hide"]
    assert "⟦abc_123456⟧" in case["evidence"]["highlighted"]
    with Store(make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}")).read() as conn:
        assert (
            conn.execute(
                select(comments_table.c.status).where(comments_table.c.id == ids[0])
            ).scalar()
            == "hidden"
        )


def test_act_on_a_whole_campaign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    w = build_world(store)
    members = (w.ids["creator"], w.ids["other_creator"])
    with store.transaction() as conn:
        campaign_cases(conn, members, "camp-9")
    store.dispose()
    code, out, _ = run(capsys, tmp_path, "cases", "act-group", "camp-9", "revoke_link_privileges",
                       "--reason", "水军")  # fmt: skip
    assert code == 0 and "revoke_link_privileges on 2 case(s), 0 skipped" in " ".join(out.split())
    code, out, _ = run(capsys, tmp_path, "cases", "act-group", "camp-9", "revoke_link_privileges",
                       "--reason", "again")  # fmt: skip
    assert code == 0 and "0 case(s), 2 skipped" in " ".join(out.split())
    assert "already has an active action: revoke link privileges" in " ".join(out.split())
    code, _, err = run(capsys, tmp_path, "cases", "act-group", "nope", "label", "--reason", "x y")
    assert code == 2 and "no cases in group 'nope'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--status", "bogus"), "--status must be one of open, actioned, dismissed"),
        (("--subject-type", "bogus"), "--subject-type must be one of account, note, comment"),
        (("--min-severity", "9"), "Invalid value for '--min-severity'"),
    ],
)
def test_a_filter_value_no_case_can_have_is_refused(
    args: tuple[str, ...],
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A misspelt filter is an error naming the option and its values, not "no cases"."""
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    assert run(capsys, tmp_path, "init")[0] == 0
    code, out, err = run(capsys, tmp_path, "cases", "list", *args)
    assert code == 2 and out == "" and said in err, err
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    code, _, err = run(capsys, tmp_path, "cases", "list", *args)
    assert code == 2 and ("只能是" in err or "的值无效" in err), err
    assert run(capsys, tmp_path, "cases", "list", "--status", "open")[0] == 0

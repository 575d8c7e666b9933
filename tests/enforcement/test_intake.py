"""Opening cases from the integrity CLI's files: one case per label with highlighted evidence,
severity and reach by the documented rules, idempotent re-import, automatic actions that explain
themselves, and bad files refused whole."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from sqlalchemy import func, select

from factories import OPERATOR, build_world, write_jsonl
from seedtrail import messages
from seedtrail.community import notes
from seedtrail.core import resources
from seedtrail.core.errors import ConfigError, InvalidInput
from seedtrail.enforcement import autopolicy, campaign_intake, cases, intake, queue
from seedtrail.store import audit
from seedtrail.store.schema import cases as cases_table
from seedtrail.store.schema import comments
from seedtrail.store.store import Store
from seedtrail.web.views import case_text


def test_findings_open_cases_idempotently_with_auto_actions(store: Store, tmp_path: Path) -> None:
    w = build_world(store)
    text = "想要的加我 138 1234 5678，或者去 t.cn/abc 看看"
    with store.transaction() as conn:
        comment = resources.create(
            conn,
            notes.COMMENTS,
            OPERATOR,
            notes.CommentIn(note_id=w.ids["note"], author_id=w.ids["other_creator"], body=text),
        )
    phone = [text.index("138"), text.index("，")]
    link = [text.index("t.cn"), text.index("t.cn") + len("t.cn/abc")]
    lake_id = 7_000_000_000  # a comment that lives only in the lake
    findings = write_jsonl(
        tmp_path / "findings.jsonl",
        [
            {
                "id": comment["id"],
                "labels": ["diversion", "soft_ad"],
                "findings": [
                    {"kind": "phone", "value": "13812345678", "span": phone},
                    {"kind": "link", "value": "t.cn", "span": link},
                    {"kind": "promo", "value": "想要的", "span": [0, 3]},
                ],
            },
            {
                "id": str(lake_id),
                "labels": ["diversion"],
                "findings": [{"kind": "wechat", "value": "abc_12345", "span": [2, 11]}],
            },
        ],
    )
    lake = {"id": lake_id, "text": "加我vx abc_12345", "author": w.ids["creator"]}
    lake |= {"note_id": w.ids["note"], "ts": "2025-03-01T10:00:00Z"}
    texts = write_jsonl(tmp_path / "comments.jsonl", [lake])
    rules = autopolicy.load()
    report = intake.import_findings(store, OPERATOR, findings, texts=texts, auto=rules)
    assert (report.lines, report.opened, report.existing) == (2, 3, 0)
    assert report.auto_actions == 3  # label + hide on the stored comment, label on the lake one
    assert len(report.skipped) == 1 and "not in the store" in report.skipped[0]
    with store.read() as conn:
        listed = queue.rows(conn, OPERATOR, {})
        stored = conn.execute(select(comments.c.status)).scalar()
        skip = audit.entries(conn, action_prefix="enforcement.auto_skip")
    assert stored == "hidden"
    assert skip and skip[0]["detail"]["rule"] == "diversion-contact-comment"
    assert [(c["detector"], c["severity_name"]) for c in listed] == [
        ("diversion", "high"),
        ("diversion", "high"),
        ("soft_ad", "medium"),
    ]
    # Each summary has a message key and parameters (in the queue too): English as before,
    # Chinese for a Chinese reader.
    summaries = {c["subject_id"]: c for c in listed if c["detector"] == "diversion"}
    mine = summaries[comment["id"]]
    assert mine["summary"] == f"diversion in comment {comment['id']}: phone 13812345678, link t.cn"
    assert mine["summary_code"] == "finding"  # rendered per reader from code and parameters

    def in_lang(lang: str) -> str:
        t = functools.partial(messages.translate, lang)
        return case_text.summary(t, dict(mine), case_text.Names())

    assert (
        in_lang("zh-CN")
        == f"评论 #{comment['id']}中发现站外导流：手机号 13812345678、站外链接 t.cn"
    )
    assert in_lang("en") == (
        f"off-platform diversion in comment #{comment['id']}: phone number 13812345678, "
        "outside link t.cn"
    )
    creator_followers = 12_000  # the note's author: who sees its comments
    assert {c["reach"] for c in listed} == {creator_followers}
    by_subject = {(c["subject_id"], c["detector"]): c for c in listed}
    lake_case = by_subject[(lake_id, "diversion")]
    assert lake_case["owner_account_id"] == w.ids["creator"] and lake_case["status"] == "actioned"
    with store.read() as conn:
        detail = cases.detail(conn, OPERATOR, by_subject[(comment["id"], "diversion")]["id"])
    ev = detail["evidence"]
    assert [f["kind"] for f in ev["findings"]] == ["phone", "link"]  # promo went to soft_ad
    assert ev["findings"][0]["excerpt"] == "138 1234 5678"
    assert ev["highlighted"] == "想要的加我 ⟦138 1234 5678⟧，或者去 ⟦t.cn/abc⟧ 看看"
    auto_action = detail["actions"][1]
    assert auto_action["action"] == "hide" and auto_action["rule"] == "diversion-contact-comment"
    assert auto_action["actor"] == "moderator:auto-policy#0"
    assert auto_action["reason"].startswith("automatic: rule 'diversion-contact-comment': ")

    again = intake.import_findings(store, OPERATOR, findings, texts=texts, auto=rules)
    assert (again.opened, again.existing, again.auto_actions) == (0, 3, 0)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases_table)).scalar() == 3


def test_bad_files_are_refused_whole_with_line_numbers(store: Store, tmp_path: Path) -> None:
    build_world(store)
    bad = tmp_path / "findings.jsonl"
    bad.write_text(
        '{"id": 1, "labels": ["diversion"], "findings": []}\n'
        "{not json\n"
        '{"id": 2, "labels": ["spam"], "findings": []}\n'
        '{"id": 3, "labels": ["claim"], "findings": [{"kind": "claim", "span": [4, 2]}]}\n',
        "utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        intake.import_findings(store, OPERATOR, bad)
    msg = err.value.detail
    assert "3 bad line(s), nothing imported" in msg
    assert "findings.jsonl:2: not valid JSON" in msg and "findings.jsonl:3: unknown label" in msg
    assert "findings.jsonl:4: findings[0]" in msg
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases_table)).scalar() == 0
    camp = write_jsonl(tmp_path / "c.jsonl", [{"accounts": [], "comments": [1]}])
    with pytest.raises(InvalidInput, match=r"c\.jsonl:1: 'accounts' must list at least one"):
        campaign_intake.import_campaigns(store, OPERATOR, camp)


def test_auto_policy_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "auto.toml"
    bad.write_text(
        '[[rule]]\nname="x"\ndetector="diversion"\nsubject="note"\nactions=["ban"]\nwhy="w"\n'
    )
    with pytest.raises(ConfigError, match="rule 1: 'ban' does not apply to a note"):
        autopolicy.load(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        autopolicy.load(tmp_path / "missing.toml")


def test_the_integrity_clis_exact_shapes(store: Store, tmp_path: Path) -> None:
    """String ids, unflagged lines, ``note:`` ids, claim categories in values, discount codes;
    campaign lines numbered with ``campaign`` and a ``time_span``."""
    w = build_world(store)
    note = w.ids["note"]
    scan = write_jsonl(
        tmp_path / "findings.jsonl",
        [
            {"id": "11", "labels": [], "findings": []},
            {
                "id": f"note:{note}",
                "labels": ["claim", "soft_ad"],
                "findings": [
                    {"kind": "claim", "value": "medical_beauty:祛斑", "span": [3, 5]},
                    {"kind": "code", "value": "SPRING20", "span": [9, 17]},
                ],
            },
            {
                "id": "12",
                "labels": ["claim"],
                "findings": [
                    {"kind": "claim", "value": "cosmetics_efficacy:一次见效", "span": [0, 4]}
                ],
            },
        ],
    )
    report = intake.import_findings(store, OPERATOR, scan)
    assert (report.lines, report.unflagged, report.opened) == (3, 1, 3)
    with store.read() as conn:
        got = {
            (c["subject_type"], c["subject_id"], c["detector"]): c["severity_name"]
            for c in queue.rows(conn, OPERATOR, {})
        }
    assert got == {
        ("note", note, "claim"): "high",
        ("note", note, "soft_ad"): "medium",
        ("comment", 12, "claim"): "medium",
    }
    camp = write_jsonl(
        tmp_path / "campaigns.jsonl",
        [
            {
                "campaign": 1,
                "accounts": [str(w.ids["creator"])],
                "notes": [str(note)],
                "comments": ["31", "32"],
                "score": 0.91,
                "time_span": ["2025-03-01T10:00:00Z", "2025-03-01T10:40:00Z"],
                "evidence": {"summary": ["1 accounts left 2 comments on the same 1 notes"]},
            }
        ],
    )
    campaign_intake.import_campaigns(store, OPERATOR, camp)
    with store.read() as conn:
        (case,) = queue.rows(conn, OPERATOR, {"detector": "water_army"})
        ev = cases.detail(conn, OPERATOR, case["id"])["evidence"]
    assert case["subject_type"] == "campaign"
    assert ev["campaign"]["id"] == 1 and ev["campaign"]["comments"] == [31, 32]
    assert ev["campaign"]["span"] == ["2025-03-01T10:00:00Z", "2025-03-01T10:40:00Z"]
    assert case["reach"] == 12_000  # the target note's author's followers


def test_a_detected_comment_is_adopted_so_every_offered_action_works(
    store: Store, tmp_path: Path
) -> None:
    """A flagged comment outside the store whose note and author are in it is adopted (audited)
    and can be hidden; one whose note is unknown is offered only a label."""
    from seedtrail.enforcement import actions

    w = build_world(store)
    findings = write_jsonl(
        tmp_path / "f.jsonl",
        [
            {"id": 9001, "labels": ["diversion"],
             "findings": [{"kind": "wechat", "value": "abc_12345", "span": [4, 13]}]},
            {"id": 9002, "labels": ["diversion"],
             "findings": [{"kind": "wechat", "value": "abc_12345", "span": [4, 13]}]},
        ],
    )  # fmt: skip
    texts = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"id": 9001, "text": "加我微信abc_12345", "author": w.ids["other_creator"],
             "note_id": w.ids["note"], "ts": 1_740_000_000},
            {"id": 9002, "text": "加我微信abc_12345", "author": w.ids["other_creator"],
             "note_id": 999_999},
        ],
    )  # fmt: skip
    report = intake.import_findings(store, OPERATOR, findings, texts=texts)
    assert report.opened == 2
    with store.transaction() as conn:
        by_subject = {c["subject_id"]: c for c in queue.rows(conn, OPERATOR, {})}
        adopted, missing = by_subject[9001], by_subject[9002]
        assert actions.offered(conn, adopted) == ["label", "hide", "remove"]
        assert actions.offered(conn, missing) == ["label"]
        actions.take(conn, OPERATOR, adopted["id"], "hide", "contact details")
        with pytest.raises(InvalidInput, match="can get only label"):
            actions.take(conn, OPERATOR, missing["id"], "hide", "contact details")
        status = conn.execute(select(comments.c.status).where(comments.c.id == 9001)).scalar()
        adopt = audit.entries(conn, action_prefix="enforcement.adopt")
    assert status == "hidden"
    assert adopt and adopt[0]["detail"]["comments"] == [9001]

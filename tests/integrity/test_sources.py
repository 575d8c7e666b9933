from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedtrail.core.errors import InvalidInput
from seedtrail.integrity.sources import read_jsonl


def test_reads_fields_and_times(tmp_path: Path) -> None:
    p = tmp_path / "c.jsonl"
    p.write_text(
        '{"id": 1, "text": "hi", "author": 7, "note_id": "n1", "ts": "2025-03-01T08:00:00+08:00"}\n'
        "  \n"
        '{"id": "b", "text": "yo", "ts": 1740787200, "kind": "note", "author_created": ""}\n',
        encoding="utf-8",
    )
    items = [it for batch in read_jsonl(p) for it in batch]
    assert [(i.id, i.author, i.note_id, i.kind) for i in items] == [
        ("1", "7", "n1", "comment"),
        ("b", None, None, "note"),
    ]
    assert items[0].ts == 1740787200.0 == items[1].ts
    assert items[1].author_created is None and items[1].images == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "c.jsonl:2: not valid JSON"),
        ('{"id": 2}', "c.jsonl:2: needs 'id' and a string 'text'"),
        ('{"id": 2, "text": "x", "ts": "yesterday"}', "c.jsonl:2: ts must be ISO 8601"),
        ('{"id": 2, "text": "x", "ts": "2025-03-01T08:00:00"}', "c.jsonl:2: ts .* no time zone"),
        ('{"id": 2, "text": "x", "kind": "story"}', "c.jsonl:2: kind must be"),
        ("[1, 2]", "c.jsonl:2: each line must be a JSON object"),
        ('{"id": 2, "text": "x", "ts": true}', "c.jsonl:2: ts must be ISO 8601"),
        ('{"id": 2, "text": "x", "images": "a.png"}', "c.jsonl:2: images must be a list"),
        ('{"id": "", "text": "x"}', "c.jsonl:2: needs 'id'"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    p = tmp_path / "c.jsonl"
    p.write_text('{"id": 1, "text": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        list(read_jsonl(p))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        list(read_jsonl(tmp_path / "nope.jsonl"))


def test_store_source(store) -> None:  # type: ignore[no-untyped-def]
    from factories import build_world, make
    from seedtrail.community import notes
    from seedtrail.integrity.scan import Scanner
    from seedtrail.integrity.sources import read_store, store_brands

    w = build_world(store)
    promo = make(
        store,
        notes.NOTES,
        author_id=w.ids["other_creator"],
        title="好物",
        body="花西子的散粉，姐妹们冲！旗舰店直接搜",
        category="beauty",
    )["id"]
    said = make(store, notes.COMMENTS, note_id=w.ids["note"], author_id=w.ids["other_creator"],
                body="想要的加薇信 abc_123456")["id"]  # fmt: skip
    brands, declared = store_brands(store)
    assert brands == ["花西子"]
    assert f"note:{w.ids['note']}" in declared  # the collab's note
    items = [it for batch in read_store(store, batch=2) for it in batch]
    by_id = {it.id: it for it in items}
    comment = by_id[str(said)]
    assert (comment.author, comment.note_id, comment.kind) == (
        str(w.ids["other_creator"]), str(w.ids["note"]), "comment")  # fmt: skip
    assert comment.ts is not None and comment.author_created is not None
    res = Scanner(brands=brands, registered=declared).run(read_store(store))
    labels = {r["id"]: r["labels"] for r in res.records()}
    assert labels[str(said)] == ["diversion"]
    assert "soft_ad" in labels[f"note:{promo}"]
    assert "soft_ad" not in labels[f"note:{w.ids['note']}"]


def test_profiles_and_opted_in_direct_messages_are_scanned_and_open_cases_on_accounts(
    store,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """Bios and display names in the store are scanned; direct messages only when the community
    sends them; both open cases on the account (a message's on its sender)."""
    from sqlalchemy import update

    from factories import OPERATOR, build_world
    from seedtrail.enforcement import cases, intake, queue
    from seedtrail.integrity.scan import Scanner
    from seedtrail.integrity.sources import read_dms, read_store
    from seedtrail.store.schema import accounts

    w = build_world(store)
    with store.transaction() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.id == w.ids["other_creator"])
            .values(bio="护肤分享｜合作 v：glow_2024")
        )
    dms = tmp_path / "dms.jsonl"
    sender = w.ids["creator"]
    dms.write_text(
        json.dumps({"id": 9, "text": "私聊太麻烦，加我 qq 12345678 细说", "sender": sender})
        + "\n"
        + json.dumps({"id": 10, "text": "谢谢你的回复", "sender": sender})
        + "\n",
        encoding="utf-8",
    )
    res = Scanner().run(iter([*read_store(store), *read_dms(dms)]))
    records = {r["id"]: r for r in res.records()}
    assert records[f"profile:{w.ids['other_creator']}"]["labels"] == ["diversion"]
    assert records[f"profile:{w.ids['creator']}"]["labels"] == []
    assert records["dm:9"]["labels"] == ["diversion"] and records["dm:10"]["labels"] == []
    assert records["dm:9"]["author"] == str(w.ids["creator"])
    assert not any(r["id"].startswith("dm:") for r in Scanner().run(read_store(store)).records())
    flagged = tmp_path / "findings.jsonl"
    flagged.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values() if r["labels"]),
        encoding="utf-8",
    )
    intake.import_findings(store, OPERATOR, flagged)
    with store.read() as conn:
        got = {(c["subject_type"], c["subject_id"]) for c in queue.rows(conn, OPERATOR, {})}
        dm_case = queue.rows(conn, OPERATOR, {"subject_id": w.ids["creator"]})[0]
        evidence = cases.detail(conn, OPERATOR, dm_case["id"])["evidence"]
    assert ("account", w.ids["other_creator"]) in got and ("account", w.ids["creator"]) in got
    assert evidence["message_id"] == "9"

"""The moderator's pages in the reader's language: summaries rendered from their code and
parameters, subjects and evidence by handle and note title, never an English summary inside the
Chinese page (no browser needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from factories import OPERATOR, build_world, make
from seedtrail.community import accounts
from seedtrail.enforcement import campaign_intake, intake
from seedtrail.store.store import Store


def _write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def _seed(store: Store, tmp_path: Path) -> tuple[dict[str, int], str]:
    w = build_world(store)
    members = [
        make(store, accounts.RESOURCE, handle=f"wa{i}", display_name=f"水军{i}", kind="creator")[
            "id"
        ]
        for i in range(3)
    ]
    texts = [
        {
            "id": 500 + i,
            "author": a,
            "note_id": w.ids["note"],
            "ts": 1_750_000_000 + i,
            "text": "好用",
        }
        for i, a in enumerate(members)
    ]
    found = _write(
        tmp_path / "f.jsonl",
        [
            {
                "id": f"note:{w.ids['note']}",
                "labels": ["diversion"],
                "text": "加我薇信 wx_abc123",
                "findings": [{"kind": "wechat", "value": "wx_abc123", "span": [4, 13]}],
            }
        ],
    )
    camp = _write(
        tmp_path / "c.jsonl",
        [{"accounts": members, "notes": [w.ids["note"]], "comments": [500, 501, 502]}],
    )
    note_case = intake.import_findings(store, OPERATOR, found).case_ids[0]
    camp_case = campaign_intake.import_campaigns(
        store, OPERATOR, camp, texts=_write(tmp_path / "t.jsonl", texts)
    ).case_ids[0]
    return {"note_case": note_case, "campaign_case": camp_case}, w.keys["moderator"]


def _page(client: TestClient, path: str, lang: str) -> str:
    client.cookies.set("st_lang", lang)
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.text


def test_queue_and_campaign_case_read_in_the_chosen_language_by_name(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    ids, key = _seed(store, tmp_path)
    r = client.post("/ui/signin", data={"key": key, "next": "/ui/moderator"})
    assert r.status_code in (200, 303)
    zh = _page(client, "/ui/moderator", "zh-CN")
    assert "水军团伙：3 个账号在 1 篇笔记下发了 3 条评论" in zh
    assert "笔记《夏日防晒测评》中发现站外导流：微信号 wx_abc123" in zh
    assert "water-army campaign" not in zh.lower() and "diversion in" not in zh
    assert "3 个账号的团伙" in zh  # the campaign is one row, named by its size
    camp = _page(client, f"/ui/moderator/cases/{ids['campaign_case']}", "zh-CN")
    assert all(f"@wa{i}" in camp for i in range(3)) and "《夏日防晒测评》" in camp
    assert "对整个团伙处置" in camp and 'id="group-act-form"' in camp
    assert not re.search(r"account \d+|note \d+", camp)  # names, not ids
    en = _page(client, f"/ui/moderator/cases/{ids['campaign_case']}", "en")
    assert "Water-army campaign: 3 accounts left 3 comments on 1 notes" in en
    assert "Act on the whole campaign" in en and "水军团伙" not in en

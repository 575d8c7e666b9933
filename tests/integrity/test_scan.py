from __future__ import annotations

from seedtrail.integrity.scan import Scanner
from seedtrail.integrity.sources import Item

SCRIPT = "花雪集的精华真的绝了，用了{n}天效果肉眼可见{tail}"


def _items() -> list[Item]:
    # three accounts post the script on the same two notes: they meet twice, a campaign's mark
    items = [
        Item(f"w{i}", SCRIPT.format(n=i % 5 + 2, tail="！" * (i % 3)), f"a{i % 3}",
             f"n{1 + i // 3}", 1e9 + i)
        for i in range(6)
    ]  # fmt: skip
    # the same stock phrase on six different notes is not a template
    items += [Item(f"s{i}", "这个颜色真的好好看，求色号呀", f"b{i}", f"m{i}") for i in range(6)]
    items += [
        Item("d1", "想要的加薇信 abc_123456 送小样", "c1", "n2"),
        Item("c1", "七天祛斑，100%有效", "c2", "n3"),
        Item("note:1", "花雪集精华\n姐妹们冲！旗舰店直接搜", "c3", "1", kind="note"),
        Item("note:2", "花雪集精华\n姐妹们冲！旗舰店直接搜", "c4", "2", kind="note"),
        Item("ok", "快递三天就到了，包装很仔细", "c5", "n4"),
    ]
    return items


def test_labels_and_findings() -> None:
    scanner = Scanner(brands=["花雪集"], registered={"note:2"})
    res = scanner.run(iter([_items()[:7], _items()[7:]]))  # two batches
    recs = {r["id"]: r for r in res.records()}
    for i in range(6):
        assert recs[f"w{i}"]["labels"] == ["duplicate"]
        assert recs[f"s{i}"]["labels"] == []
    dup = next(f for f in recs["w0"]["findings"] if f["kind"] == "duplicate")
    assert dup["value"].startswith("cluster:") and dup["span"][0] == 0
    assert recs["d1"]["labels"] == ["diversion"]
    wechat = next(f for f in recs["d1"]["findings"] if f["kind"] == "wechat")
    assert wechat["value"] == "abc_123456"
    assert recs["c1"]["labels"] == ["claim"]
    assert "soft_ad" in recs["note:1"]["labels"]
    assert "soft_ad" not in recs["note:2"]["labels"]  # a collab is registered for it
    assert recs["ok"] == {"id": "ok", "labels": [], "findings": []}


def test_a_phrase_many_people_write_on_few_notes_is_not_a_duplicate() -> None:
    """Twelve different people write the same question under two notes, once each: a cluster
    concentrated on few notes, but its authors never meet twice, so it is not water army."""
    text = "姐妹，发热严重吗❤️ 第{n}天了"
    items = [Item(f"q{i}", text.format(n=i % 4 + 1), f"p{i}", f"n{i % 2}") for i in range(12)]
    res = Scanner().run(iter([items]))
    assert res.clusters is not None and (res.clusters.label >= 0).sum() >= 10  # they cluster
    assert all(r["labels"] == [] for r in res.records())


def test_activity_keeps_only_comments_with_author_and_note() -> None:
    items = [*_items(), Item("x", "无作者的评论")]
    res = Scanner().run(iter([items]))
    act = res.activity()
    assert len(act) == len(items) - 3  # two notes and the comment with no author
    assert set(res.activity_ids(act.author.argsort()[:1])) <= set(res.ids())


def test_note_images_are_scanned_for_qr_codes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import segno

    from seedtrail.integrity.sources import read_jsonl

    segno.make("https://u.wechat.com/EHd8nGq").save(tmp_path / "a.png", scale=5)
    src = tmp_path / "n.jsonl"
    src.write_text(
        '{"id": "n1", "text": "好物分享", "kind": "note", "images": ["a.png"]}\n', "utf-8"
    )
    res = Scanner().run(read_jsonl(src))
    assert res.record(0) == {
        "id": "n1",
        "labels": ["diversion"],
        "findings": [{"kind": "qr", "value": "wechat:u.wechat.com", "span": [0, 1]}],
    }


def test_two_workers_give_the_same_result() -> None:
    items = _items() * 3
    items = [Item(f"{i}", it.text, it.author, it.note_id, it.ts, kind=it.kind) for i, it in
             enumerate(items)]  # fmt: skip
    batches = [items[i : i + 7] for i in range(0, len(items), 7)]
    one = Scanner(brands=["花雪集"]).run(iter(batches))
    two = Scanner(brands=["花雪集"]).run(iter(batches), workers=2)
    assert [one.record(i) for i in range(len(items))] == [two.record(i) for i in range(len(items))]

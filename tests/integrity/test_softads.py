from __future__ import annotations

from seedtrail.integrity.softads import SoftAdDetector

TEXT = "今天聊聊花雪集的精华。姐妹们冲！花雪集旗舰店直接搜精华"


def test_brand_with_promotion_and_no_collab_is_a_soft_ad() -> None:
    found = SoftAdDetector(["花雪集"]).find(TEXT)
    kinds = [f.kind for f in found]
    assert kinds.count("brand") == 2 and "promo" in kinds
    for f in found:
        assert TEXT[slice(*f.span)] == f.value or f.kind == "promo"


def test_registered_collab_or_no_brand_passes() -> None:
    det = SoftAdDetector(["花雪集"])
    assert det.find(TEXT, registered=True) == []
    assert det.find("姐妹们冲！旗舰店直接搜精华") == []
    assert det.find("花雪集的精华用了一个月，保湿还行") == []


def test_a_link_counts_as_a_signal() -> None:
    det = SoftAdDetector(["花雪集"])
    assert det.find("花雪集的精华用了一个月") == []
    assert [f.kind for f in det.find("花雪集的精华用了一个月", links=1)] == ["brand"]


def test_discount_code_is_a_signal() -> None:
    found = SoftAdDetector(["花雪集"]).find("花雪集的精华 用 snow2024 减20")
    assert ("code", "snow2024") in [(f.kind, f.value) for f in found]

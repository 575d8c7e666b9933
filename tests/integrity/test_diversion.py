from __future__ import annotations

import pytest

from seedtrail.integrity.diversion import DiversionDetector


@pytest.fixture(scope="module")
def detector() -> DiversionDetector:
    return DiversionDetector()


@pytest.mark.parametrize(
    ("text", "kind", "value", "shown"),
    [
        ("加我薇信 abc_123456 送小样", "wechat", "abc_123456", "abc_123456"),
        ("V信：lily2024", "wechat", "lily2024", "lily2024"),
        ("衛星 wxid_abc123", "wechat", "wxid_abc123", "wxid_abc123"),
        ("ѵх：abc1234", "wechat", "abc1234", "abc1234"),
        ("微\u200b信 a b c 1 2 3 4", "wechat", "abc1234", "a b c 1 2 3 4"),
        ("绿泡泡lily_三七六9九五", "wechat", "lily_376995", "lily_三七六9九五"),
        ("电话 1️⃣3️⃣8️⃣ 1234 5678", "phone", "13812345678", "1️⃣3️⃣8️⃣ 1234 5678"),
        ("幺三八幺二三四五六七八", "phone", "13812345678", "幺三八幺二三四五六七八"),
        ("壹叁捌壹贰叁肆伍陆柒捌", "phone", "13812345678", "壹叁捌壹贰叁肆伍陆柒捌"),
        ("①③⑧①②③④⑤⑥⑦⑧", "phone", "13812345678", "①③⑧①②③④⑤⑥⑦⑧"),
        ("1😀3😀8😀1😀2😀3😀4😀5😀6😀7😀8", "phone", "13812345678", None),
        ("+86 138-1234-5678", "phone", "13812345678", "86 138-1234-5678"),
        ("扣扣 12345678", "qq", "12345678", "12345678"),
        ("🐧：7_6.5~4·3", "qq", "76543", "7_6.5~4·3"),
        ("ｑｑ：１２３４５６７", "qq", "1234567", "１２３４５６７"),
        ("戳 t.cn/A6abc 领券", "link", "t.cn", "t.cn/A6abc"),
        ("www点taobao点com", "link", "www.taobao.com", "www点taobao点com"),
        ("看 主 页 有惊喜", "steer", "看主页", "看 主 页"),
    ],
)
def test_finds_obfuscated_contacts(
    detector: DiversionDetector, text: str, kind: str, value: str, shown: str | None
) -> None:
    hits = [f for f in detector.find(text) if f.kind == kind]
    assert [f.value for f in hits] == [value]
    if shown is not None:
        assert text[slice(*hits[0].span)] == shown


@pytest.mark.parametrize(
    "text",
    [
        "¥199 到手 199元 3.5折",
        "165cm 50kg 穿M码",
        "2025年3月15日下单 3.15 到的",
        "2025.3.15 买的 500ml",
        "订单号 13812345678 还没发货",
        "快递单号SF1234567890123",
        "iPhone 15 Pro A1234 SK-II 神仙水",
        "用优惠码 SAVE2024 立减",
        "尺码表 36 37 38 39 40",
        "微信支付很方便",
        "买了一二三四五六七八 都好用",
        "看到他们的点点滴滴我的心都跟着紧张",
    ],
)
def test_hard_negatives_pass(detector: DiversionDetector, text: str) -> None:
    assert detector.find(text) == []


def test_platform_links_allowed(detector: DiversionDetector) -> None:
    assert detector.find("详情 seedtrail.dev/n/1") == []


def test_in_platform_steering_is_not_diversion() -> None:
    from seedtrail.integrity.scan import labels_of

    det = DiversionDetector()
    for text in ("主页看链接", "私信我领取", "评论区扣1", "看我简介", "进粉丝群"):
        assert "diversion" not in labels_of(det.find(text)), text
    assert labels_of(det.find("私信我 加微信 abc_12345")) == ["diversion"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("想要的加溦信 abc_12345", "wechat", "abc_12345"),  # shape: 溦 for 微
        ("徽信：lily_2023", "wechat", "lily_2023"),
        ("wēixìn：abc12345", "wechat", "abc12345"),  # pinyin with tones
        ("微信 搜一下我的号就行 abcd1234", "wechat", "abcd1234"),  # id a few words later
        ("电话 138oo13800o", "phone", "13800138000"),  # letters for digits
        ("某鱼上有同款", "shop", "某鱼"),
        ("dy搜我同名", "shop", "dy搜"),
        ("xy找我便宜出", "shop", "xy找我"),
    ],
)
def test_unseen_obfuscations(text: str, kind: str, value: str) -> None:
    found = DiversionDetector().find(text)
    assert (kind, value) in [(f.kind, f.value) for f in found], found


@pytest.mark.parametrize(
    "text", ["咸鱼翻身了", "在淘宝买的更便宜", "比京东便宜", "1tb的硬盘", "为新品预热 2024 12月"]
)
def test_plain_platform_names_and_dates_are_not_diversion(text: str) -> None:
    assert DiversionDetector().find(text) == []

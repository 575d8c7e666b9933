"""A labelled diversion corpus: obfuscation families × contact types, plus organic hard negatives.

Deterministic from a seed. Each record is ``{"id", "text", "family", "contact", "labels"}`` where
``labels`` lists ``{"kind", "value", "span"}`` (span in characters of ``text``); organic records
have family ``organic`` and no labels. :func:`write_jsonl` writes the same shape the evaluation
reads, so a labelled world from elsewhere can be evaluated the same way.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789abcdefghijklmnopqrstuvwxyz"}
_CIRCLED = dict(zip("0123456789", "⓪①②③④⑤⑥⑦⑧⑨", strict=True))
_DINGBAT = dict(zip("0123456789", "⓿➊➋➌➍➎➏➐➑➒", strict=True))
_MATH = {str(d): chr(0x1D7CE + d) for d in range(10)}  # mathematical bold digits
_CN = dict(zip("0123456789", "零幺两三四五六七八九", strict=True))
_CN_PLAIN = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
_CN_CAPITAL = dict(zip("0123456789", "零壹贰叁肆伍陆柒捌玖", strict=True))
_LOOK = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "v": "ѵ", "i": "і"}
_EMOJI = ["😀", "🌸", "✨", "❤️", "🍑", "👉", "🔥", "💕"]
_PUNCT = ["-", ".", "·", "、", "/", "~", "_"]
_ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]

WECHAT_CUES = [
    "微信",
    "vx",
    "VX",
    "V信",
    "wx",
    "威信",
    "薇信",
    "卫星",
    "绿泡泡",
    "加v",
    "微❤",
    "徽信",
]
QQ_CUES = ["QQ", "qq", "扣扣", "企鹅", "Q号", "🐧"]
PHONE_CUES = ["电话", "手机", "", "", "tel:", "联系"]
LINKS = ["t.cn/A6x9Kp", "m.tb.cn/h.UaBc12", "u.jd.com/Xy12ab", "shop123.taobao.com",
         "www.weidian.com/item?id=88", "url.cn/5Gh7", "dwz.cn/abc",
         "yangkeduo.com/goods"]  # fmt: skip
STEERS = ["私信我", "看主页", "滴滴我", "主页有链接", "看我简介", "戳我头像", "私我领取"]
PREFIXES = [
    "想要的",
    "姐妹们",
    "需要的",
    "有意者",
    "同款",
    "代购",
    "便宜出",
    "价格美丽",
    "喜欢的",
    "",
]
SUFFIXES = ["", "～", "送小样", "备注小红书", "秒回", "看到回", "💕", "同款更便宜"]


@dataclass
class _Builder:
    """Builds a text piece by piece, remembering where the labelled piece landed."""

    parts: list[str] = field(default_factory=list)
    length: int = 0

    def add(self, piece: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(piece)
        self.length += len(piece)
        return (start, self.length)

    def text(self) -> str:
        return "".join(self.parts)


Obfuscate = Callable[[str, random.Random], str]


def _map(table: dict[str, str]) -> Obfuscate:
    return lambda s, _r: "".join(table.get(c, c) for c in s)


def _split(seps: list[str]) -> Obfuscate:
    def apply(s: str, r: random.Random) -> str:
        out = [s[0]]
        for c in s[1:]:
            out.append(r.choice(seps) if r.random() < 0.7 else "")
            out.append(c)
        return "".join(out)

    return apply


def _mixed_cn(s: str, r: random.Random) -> str:
    return "".join(r.choice([_CN, _CN_PLAIN]).get(c, c) if r.random() < 0.8 else c for c in s)


FAMILIES: dict[str, Obfuscate] = {
    "plain": lambda s, _r: s,
    "fullwidth": _map(_FULLWIDTH),
    "circled": lambda s, r: "".join(r.choice([_CIRCLED, _DINGBAT]).get(c, c) for c in s),
    "math_digits": _map(_MATH),
    "cn_numerals": _mixed_cn,
    "cn_capital": _map(_CN_CAPITAL),
    "split_space": _split([" ", "  ", "\u3000"]),
    "split_emoji": _split(_EMOJI),
    "split_punct": _split(_PUNCT),
    "zero_width": _split(_ZW),
    "lookalike": _map(_LOOK),
}
# Families that change digits only make sense for contacts made of digits.
_DIGIT_ONLY = {"circled", "math_digits", "cn_numerals", "cn_capital"}
_TRADITIONAL = {"微信": "微信", "威信": "威信", "卫星": "衛星", "电话": "電話", "联系": "聯繫",
                "绿泡泡": "綠泡泡", "私信我": "私信我", "看主页": "看主頁",
                "手机": "手機"}  # fmt: skip


def _wechat_id(r: random.Random) -> str:
    head = r.choice(["lily", "mei", "xiao", "beauty", "tao", "ann", "kk", "yoyo", "wxid_"])
    return head + r.choice(["", "_", "-"]) + str(r.randint(100, 99999999))


def _phone(r: random.Random) -> str:
    return "1" + r.choice("3456789") + "".join(str(r.randint(0, 9)) for _ in range(9))


def _qq(r: random.Random) -> str:
    return str(r.randint(10**4, 10**10 - 1))


def _contact(kind: str, r: random.Random) -> tuple[str, str]:
    """(cue, value) for a contact type."""
    if kind == "wechat":
        return r.choice(WECHAT_CUES), _wechat_id(r)
    if kind == "qq":
        return r.choice(QQ_CUES), _qq(r)
    if kind == "phone":
        return r.choice(PHONE_CUES), _phone(r)
    if kind == "link":
        return r.choice(["", "链接", "戳", "复制打开"]), r.choice(LINKS)
    return "", r.choice(STEERS)


CONTACTS = ["wechat", "qq", "phone", "link", "steer"]


def families_for(contact: str) -> list[str]:
    """Which obfuscation families apply to a contact type."""
    names = [*FAMILIES, "traditional"]
    if contact in ("link", "steer"):
        return [n for n in names if n not in _DIGIT_ONLY and n not in ("split_punct",)]
    if contact == "wechat":
        return [n for n in names if n not in ("cn_capital",)]
    return [n for n in names if n != "lookalike"]


def positive(contact: str, family: str, r: random.Random, rid: str) -> dict[str, object]:
    cue, value = _contact(contact, r)
    shown = value
    if family == "traditional":
        cue = _TRADITIONAL.get(cue, cue)
        shown = _TRADITIONAL.get(value, value)
    elif family == "lookalike":
        cue = FAMILIES[family](cue, r)
        shown = FAMILIES[family](value, r)
    elif contact == "link" and family == "split_space":
        shown = value.replace(".", r.choice(["点", " . ", "。"]), 1)
    elif contact == "phone" and family == "plain" and r.random() < 0.3:
        shown = f"{value[:3]}-{value[3:7]}-{value[7:]}"
    else:
        shown = FAMILIES[family](value, r)
    b = _Builder()
    b.add(r.choice(PREFIXES))
    if cue:
        b.add(cue + r.choice(["", ":", "：", " ", "号"]))
    span = b.add(shown)
    b.add(r.choice(SUFFIXES))
    kind = contact
    label = {"kind": kind, "value": value.lower(), "span": list(span)}
    return {"id": rid, "text": b.text(), "family": family, "contact": contact, "labels": [label]}


# Organic hard negatives: prices, sizes, weights, dates, orders, models, discount codes.
_ORGANIC: list[str] = [
    "这个{p}元入的，{d}折很划算",
    "¥{p}到手，比专柜便宜{q}块",
    "身高{h}cm体重{w}kg穿M码刚好",
    "{y}年{mo}月{da}日下单，{mo}.{da}就到了",
    "订单号{order}还没发货",
    "快递单号 SF{order} 请查收",
    "iPhone {m} Pro Max 用了{q}天",
    "SK-II神仙水{ml}ml真的好用",
    "型号A{model}和B{model}有什么区别",
    "用优惠码 SAVE{y} 减{q}",
    "券码 {code} 已经用掉了",
    "{mo}.{da}大促买的，{p}元三件",
    "容量{ml}ml，保质期到{y}.{mo}.{da}",
    "第{q}次回购了，{p}一瓶",
    "色号{model}黄皮友好",
    "{h}斤 穿S码，腰围{q}",
    "早上{mo}点{da}分到的货",
    "买了{q}盒，一共{p}元，平均{d}折",
    "好看！{emoji}{emoji}",
    "求链接 {emoji}",
    "笑死 {q}{q}{q}",
    "版本{mo}.{da}.{q}更新后好多了",
    "{y}款{m}代，我{mo}月买的",
    "小姐姐皮肤好好，用的什么",
    "这个颜色绝了{emoji}",
    "已下单，坐等收货",
    "门店地址在{mo}楼{q}号",
    "会员号后四位{model}",
    "{p}/{ml}ml 性价比一般",
    "一二三四五六七八 都买了",
    "第一次买 第二次回购 第三次推荐给闺蜜",
    "排队{q}分钟，{p}元两杯",
    "{y}/{mo}/{da} {mo}:{da} 打卡",
    "尺码表 36 37 38 39 40 选大一码",
    "1 2 3 上链接！",
    "跑了{q}.{d}公里，配速{mo}分{da}秒",
]


def _organic_fill(r: random.Random) -> dict[str, str]:
    return {
        "p": str(r.choice([9.9, 19, 29, 39, 59, 99, 129, 199, 299, 399, 599, 1299])),
        "d": str(r.choice([3, 5, 6.5, 7, 8, 8.8, 9])),
        "q": str(r.randint(1, 300)),
        "h": str(r.randint(150, 185)),
        "w": str(r.randint(40, 80)),
        "y": str(r.randint(2019, 2026)),
        "mo": str(r.randint(1, 12)),
        "da": str(r.randint(1, 28)),
        "order": "".join(str(r.randint(0, 9)) for _ in range(r.choice([11, 12, 16, 18, 19]))),
        "m": str(r.randint(11, 16)),
        "ml": str(r.choice([30, 50, 100, 150, 230, 500])),
        "model": str(r.randint(100, 9999)),
        "code": "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8)),
        "emoji": r.choice(_EMOJI),
    }


def organic(r: random.Random, rid: str) -> dict[str, object]:
    text = r.choice(_ORGANIC).format_map(_organic_fill(r))
    return {"id": rid, "text": text, "family": "organic", "contact": None, "labels": []}


def generate(
    seed: int = 7, per_cell: int = 60, organic_n: int = 10_000
) -> Iterator[dict[str, object]]:
    """Yield ``per_cell`` positives per (contact, family) and ``organic_n`` organic negatives."""
    r = random.Random(seed)
    n = 0
    for contact in CONTACTS:
        for family in families_for(contact):
            for _ in range(per_cell):
                n += 1
                yield positive(contact, family, r, f"p{n}")
    for i in range(organic_n):
        yield organic(r, f"o{i}")


def write_jsonl(records: Iterator[dict[str, object]], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
    return count

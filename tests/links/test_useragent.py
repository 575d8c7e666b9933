"""Bot, preview and device classes of user agents, measured on data built apart from the code."""

from __future__ import annotations

import crawleruseragents
import pytest

from real_agents import PEOPLE
from seedtrail.links import useragent
from seedtrail.links.useragent import Matcher, bot_class, cached_classifier, classify, expand

INSTANCES = [
    (entry["pattern"], ua)
    for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
    for ua in entry.get("instances", ())
]


def test_recall_on_the_packaged_lists_instances() -> None:
    missed = [ua for _, ua in INSTANCES if bot_class(ua) is None]
    recall = 1 - len(missed) / len(INSTANCES)
    print(f"recall {recall:.4f} on {len(INSTANCES)} instances; missed: {missed}")
    assert len(INSTANCES) > 2000
    assert recall >= 0.99


def test_list_entries_tagged_social_preview_are_previews() -> None:
    previews = [
        ua
        for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
        if "social-preview" in entry.get("tags", ())
        for ua in entry.get("instances", ())
    ]
    flagged = [bot_class(ua) for ua in previews]
    assert flagged.count("preview") >= 0.99 * len(previews)


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_no_real_browser_or_in_app_browser_is_flagged(name: str) -> None:
    expected, ua = PEOPLE[name]
    assert bot_class(ua) is None
    assert classify(ua) == expected


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (
            "Mozilla/5.0 (compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)",
            "bot",
        ),
        ("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", "bot"),
        ("sogou spider", "bot"),
        (
            "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.1 (KHTML, like Gecko) "
            "Chrome/21.0.1180.89 Safari/537.1; 360Spider(compatible; HaosouSpider; http://www.haosou.com/help/help_3_2.html)",
            "bot",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/69.0.3497.81 YisouSpider/5.0 Safari/537.36",
            "bot",
        ),
        (
            "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
            "Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
            "bot",
        ),
        (
            "Mozilla/5.0 (Linux; Android 8.0; Pixel 2 Build/OPD3.170816.012) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/60.0.4586.1691 Mobile Safari/537.36; Bytespider; "
            "bytespider@bytedance.com",
            "bot",
        ),
        ("bytespider", "bot"),
        ("Mozilla/5.0 (compatible; EasouSpider; +http://www.easou.com/search/spider.html)", "bot"),
        (
            "DingTalkBot-LinkService/1.0 (+https://open-doc.dingtalk.com/microapp/faquestions/ftpfeu)",
            "preview",
        ),
        ("dingtalkbot-linkservice/1.0", "preview"),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "preview"),
        ("TelegramBot (like TwitterBot)", "preview"),
        ("Feedfetcher-Google; (+http://www.google.com/feedfetcher.html)", "bot"),
        ("Mediapartners-Google", "bot"),
        ("python-requests/2.31.0", "bot"),
        ("curl/8.0", "bot"),
        ("", "bot"),
        ("   ", "bot"),
    ],
)
def test_named_agents(ua: str, expected: str) -> None:
    assert classify(ua) == expected


def test_matcher_matches_what_each_pattern_matches() -> None:
    m = Matcher(["Googlebot\\/", "[wW]get", "AdsBot-Google([^-]|$)", "a.b", "^curl", "(x|y)z"])
    for ua in ("x Googlebot/2", "Wget/1", "AdsBot-Google", "aXb", "curl/1", "yz"):
        assert m.search(ua), ua
    for ua in ("a curl", "Goo", "AdsBot-Google-Mobile", "Xz"):
        assert not m.search(ua), ua
    assert not Matcher([]).search("anything")
    assert expand("(sistrix|SISTRIX) [cC]rawler") == [
        "sistrix crawler",
        "sistrix Crawler",
        "SISTRIX crawler",
        "SISTRIX Crawler",
    ]
    assert expand("Automaton|Newsify") == ["Automaton", "Newsify"]
    assert expand("BlogTraffic\\/\\d") is None


def test_classifier_caches_per_agent_with_a_bound() -> None:
    classifier = cached_classifier(maxsize=2)
    uas = [ua for _, ua in list(PEOPLE.values())[:3]]
    for ua in uas + uas[-1:]:
        classifier(ua)
    info = classifier.cache_info()
    assert (info.hits, info.misses, info.currsize, info.maxsize) == (1, 3, 2, 2)
    assert classify("Mozilla/5.0 " + "x" * 100_000 + " Googlebot/2.1") == classify("Mozilla/5.0")


def test_classes_are_the_documented_ones() -> None:
    seen = {classify(ua) for _, ua in PEOPLE.values()} | {"bot", "preview"}
    assert seen == set(useragent.CLASSES)
    assert all(len(c) <= 16 for c in useragent.CLASSES)  # clicks.ua_class is String(16)

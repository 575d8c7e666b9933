"""User-agent classification on the redirect's hot path: cost per click, cold and cached.

    PYTHONPATH=src .venv/bin/python bench/useragent.py [--rounds 3]

Baseline: the classifier seedtrail had before issue 20 (two hand-written regexes behind a dict),
copied below and measured in the same run. Workload: the 2,000+ example instances of the
crawler-user-agents list (bots) and 2,000 distinct people's agents (the real browser and in-app
agents of tests/real_agents.py, each in variants of version and network as apps send them).

- cold: a fresh cache, every agent seen for the first time (the cost of a new agent's click);
- cached: the same agents again (the cost of every later click from them).
Prints microseconds per click for each and the ratio new/old. Also prints the figures the tests
assert: recall on the list's instances and people flagged as bots.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import crawleruseragents

from seedtrail.links.useragent import BOT_CLASSES, cached_classifier, rules

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from real_agents import PEOPLE

# --- the classifier before issue 20 (baseline) ---------------------------------------------
_OLD_PREVIEW = re.compile(
    r"facebookexternalhit|slackbot|slack-imgproxy|twitterbot|telegrambot|whatsapp|discordbot|"
    r"linkedinbot|skypeuripreview|embedly|vkshare|pinterest|redditbot|applebot|iframely|"
    r"bitlybot|outbrain|quora link preview|nuzzel|google-pagerenderer|bingpreview",
    re.IGNORECASE,
)
_OLD_BOT = re.compile(
    r"bot\b|bot/|crawler|spider|crawl|slurp|baiduspider|yandex|sogou|bytespider|petalbot|"
    r"headlesschrome|phantomjs|python-requests|python-urllib|aiohttp|httpx|curl/|wget/|"
    r"go-http-client|java/|okhttp|libwww|scrapy|node-fetch|axios/|httpclient|monitor|"
    r"uptime|pingdom|lighthouse|^$",
    re.IGNORECASE,
)
_OLD_WECHAT = re.compile(r"MicroMessenger", re.IGNORECASE)
_OLD_MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)


def old_classify(user_agent: str) -> str:
    ua = user_agent.strip()
    if _OLD_PREVIEW.search(ua):
        return "preview"
    if _OLD_BOT.search(ua):
        return "bot"
    if _OLD_WECHAT.search(ua):
        return "wechat"
    if _OLD_MOBILE.search(ua):
        return "mobile"
    return "desktop"


class OldCached:
    """The old redirect's cache: a dict cleared when it passed 10,000 entries."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, ua: str) -> str:
        found = self.cache.get(ua)
        if found is None:
            found = old_classify(ua)
            if len(self.cache) > 10_000:
                self.cache.clear()
            self.cache[ua] = found
        return found


# --- workload --------------------------------------------------------------------------------
_VERSION = re.compile(r"(\d+)\.(\d+)")


def people(n: int) -> list[str]:
    """n distinct people's agents: the real ones with their first version and network varied."""
    base = [ua for _, ua in PEOPLE.values()]
    out: list[str] = []
    i = 0
    while len(out) < n:
        ua = base[i % len(base)]
        k = i // len(base)
        varied = _VERSION.sub(lambda m, k=k: f"{m.group(1)}.{int(m.group(2)) + k}", ua, count=1)
        out.append(varied + (" NetType/4G" if k % 2 else ""))
        i += 1
    assert len(set(out)) == n
    return out


def per_click_us(
    make: Callable[[], Callable[[str], str]], agents: list[str], rounds: int
) -> tuple[float, float]:
    """(cold, cached) microseconds per click, medians over rounds."""
    cold, warm = [], []
    for _ in range(rounds):
        classify = make()
        t = time.perf_counter()
        for ua in agents:
            classify(ua)
        cold.append((time.perf_counter() - t) / len(agents) * 1e6)
        t = time.perf_counter()
        for ua in agents:
            classify(ua)
        warm.append((time.perf_counter() - t) / len(agents) * 1e6)
    return statistics.median(cold), statistics.median(warm)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    t = time.perf_counter()
    rules()
    print(f"compile patterns + ua-parser: {time.perf_counter() - t:.2f} s (once per process)")
    bots = [ua for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA for ua in e.get("instances", ())]
    humans = people(2000)
    new, old = cached_classifier(), OldCached()
    recall_new = sum(new(ua) in BOT_CLASSES for ua in bots) / len(bots)
    recall_old = sum(old(ua) in BOT_CLASSES for ua in bots) / len(bots)
    fp_new = sum(new(ua) in BOT_CLASSES for ua in humans)
    fp_old = sum(old(ua) in BOT_CLASSES for ua in humans)
    print(f"recall on {len(bots)} list instances: new {recall_new:.4f}, old {recall_old:.4f}")
    print(f"people flagged as bots, of {len(humans)}: new {fp_new}, old {fp_old}")
    print(f"{'workload':<8} {'phase':<7} {'new µs':>8} {'old µs':>8} {'new/old':>8}")
    for name, agents in (("people", humans), ("bots", bots), ("mixed", humans + bots)):
        n_cold, n_warm = per_click_us(lambda: cached_classifier(), agents, args.rounds)
        o_cold, o_warm = per_click_us(OldCached, agents, args.rounds)
        print(f"{name:<8} {'cold':<7} {n_cold:8.1f} {o_cold:8.1f} {n_cold / o_cold:8.2f}")
        print(f"{name:<8} {'cached':<7} {n_warm:8.2f} {o_warm:8.2f} {n_warm / o_warm:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

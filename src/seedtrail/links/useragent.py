"""User-agent classes for click logging: bots and link-preview fetchers are kept but not counted."""

from __future__ import annotations

import re

_PREVIEW = re.compile(
    r"facebookexternalhit|slackbot|slack-imgproxy|twitterbot|telegrambot|whatsapp|discordbot|"
    r"linkedinbot|skypeuripreview|embedly|vkshare|pinterest|redditbot|applebot|iframely|"
    r"bitlybot|outbrain|quora link preview|nuzzel|google-pagerenderer|bingpreview",
    re.IGNORECASE,
)
_BOT = re.compile(
    r"bot\b|bot/|crawler|spider|crawl|slurp|baiduspider|yandex|sogou|bytespider|petalbot|"
    r"headlesschrome|phantomjs|python-requests|python-urllib|aiohttp|httpx|curl/|wget/|"
    r"go-http-client|java/|okhttp|libwww|scrapy|node-fetch|axios/|httpclient|monitor|"
    r"uptime|pingdom|lighthouse|^$",
    re.IGNORECASE,
)
_WECHAT = re.compile(r"MicroMessenger", re.IGNORECASE)
_MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)

BOT_CLASSES = frozenset({"bot", "preview"})


def classify(user_agent: str) -> str:
    """One of: preview, bot, wechat, mobile, desktop."""
    ua = user_agent.strip()
    if _PREVIEW.search(ua):
        return "preview"
    if _BOT.search(ua):
        return "bot"
    if _WECHAT.search(ua):
        return "wechat"
    if _MOBILE.search(ua):
        return "mobile"
    return "desktop"

"""What the redirect decides for one tap, apart from HTTP: whether it repeats the same viewer's
recent tap on the same link, where it leads (or that the link is closed), and the click log row.

A tap may name the campaign (boost) it came through: the community's app adds ``c=<campaign id>``
to ``/r/{code}`` when the note was shown as a boosted note. :func:`campaign` keeps it only when it
is one of the campaigns the link's note belongs to; otherwise the click is kept and the campaign
dropped, for a reason that is counted (:data:`DROPPED`).

The redirect (:mod:`seedtrail.links.redirect`) and the replay of recorded taps
(``seedtrail sim load``) both decide through these functions, so a replayed tap is logged exactly
as the redirect would have logged it.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from seedtrail.links.clicklog import Click
from seedtrail.links.resolver import LiveLink

PREFIX = "/r/"
#: The query parameter the community's app passes a boosted tap's campaign in.
CAMPAIGN_PARAM = "c"
#: Why a tap's campaign was dropped (the click itself is always kept).
DROPPED = ("malformed", "not_this_link")


def campaign(link: LiveLink, raw: object, dropped: Counter[str]) -> int | None:
    """The campaign ``raw`` names when it is one of ``link``'s note's campaigns; else None, with
    the reason counted in ``dropped``. ``raw`` is the query value (text) or a replayed id."""
    if raw is None or raw == "":
        return None
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        dropped["malformed"] += 1
        return None
    value = int(text)
    if value not in link.campaigns:
        dropped["not_this_link"] += 1
        return None
    return value


def referrer_host(referer: str | None) -> str | None:
    """The host a ``Referer`` header names (cut to the column's 255 characters); None without
    one. A header that does not parse as a URL (``http://[broken``: an unclosed IPv6 bracket)
    names no host: the tap is answered and logged all the same."""
    if not referer:
        return None
    try:
        return (urlsplit(referer).hostname or "")[:255]
    except ValueError:
        return ""


def add_param(url: str, name: str, value: str) -> str:
    base, hash_, fragment = url.partition("#")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}{name}={value}{hash_}{fragment}"


class Repeats:
    """The same viewer tapping the same link again within ``window_s`` seconds is a repeat."""

    def __init__(self, window_s: float, max_keys: int = 1_000_000) -> None:
        self.window_s = window_s
        self.max_keys = max_keys
        self._last: dict[tuple[str, int], float] = {}

    def seen(self, viewer: str, mount_id: int, now: float) -> bool:
        key = (viewer, mount_id)
        last = self._last.get(key)
        if len(self._last) > self.max_keys:
            self._last.clear()
        self._last[key] = now
        return last is not None and now - last < self.window_s


def destination(link: LiveLink, click_id: str, param: str) -> tuple[str, str | None]:
    """``(outcome, location)``: where the tap goes; ``("unavailable", None)`` for a closed link
    (answered 410, never a counted click)."""
    target = link.target
    if target is None:
        return "unavailable", None
    if target.kind == "web":
        assert target.web_url is not None
        return "redirect", add_param(target.web_url, param, click_id)
    sub = "app" if target.kind == "app" else "wechat"
    outcome = "interstitial" if sub == "app" else "consent"
    return outcome, f"{PREFIX}{link.code}/{sub}?{param}={click_id}"


def click_row(
    link: LiveLink,
    *,
    click_id: str,
    ts_us: int,
    viewer: str,
    method: str,
    ua_class: str,
    referrer_host: str | None,
    outcome: str,
    is_bot: bool,
    is_repeat: bool,
    campaign_id: int | None = None,
) -> Click:
    """The click log row (:data:`seedtrail.links.clicklog.COLUMNS` order)."""
    return (
        click_id,
        ts_us,
        *link.row_fields,
        viewer,
        method,
        ua_class,
        referrer_host,
        outcome,
        is_bot,
        is_repeat,
        campaign_id,
    )

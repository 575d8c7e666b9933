"""A tap's click row: each of the link's fields in its own column (the row the redirect and the
replay of recorded taps both log)."""

from __future__ import annotations

from seedtrail.links.clicklog import COLUMNS
from seedtrail.links.resolver import LiveLink
from seedtrail.links.taps import click_row, referrer_host


def test_click_row_puts_each_field_in_its_column() -> None:
    link = LiveLink(
        mount_id=101,
        code="AbCd1234",
        placement="comment",
        note_id=202,
        comment_id=303,
        profile_account_id=404,
        partner_id=505,
        offer_id=606,
        allowed=True,
        reason="ok",
        target=None,
        good_until=float("inf"),
    )
    row = click_row(
        link,
        click_id="click-1",
        ts_us=7,
        viewer="viewer-1",
        method="GET",
        ua_class="mobile",
        referrer_host="example.cn",
        outcome="redirect",
        is_bot=False,
        is_repeat=True,
        campaign_id=9,
    )
    assert dict(zip(COLUMNS, row, strict=True)) == {
        "click_id": "click-1",
        "ts_us": 7,
        "mount_id": 101,
        "code": "AbCd1234",
        "note_id": 202,
        "comment_id": 303,
        "profile_account_id": 404,
        "placement": "comment",
        "partner_id": 505,
        "offer_id": 606,
        "viewer_key": "viewer-1",
        "method": "GET",
        "ua_class": "mobile",
        "referrer_host": "example.cn",
        "outcome": "redirect",
        "is_bot": False,
        "is_duplicate": True,
        "campaign_id": 9,
    }


def test_referrer_host_of_a_header_that_is_no_url_is_empty() -> None:
    """urlsplit raises on an unclosed IPv6 bracket: that was a 500 and a lost tap."""
    assert referrer_host("https://www.xiaohongshu.com/explore?x=1") == "www.xiaohongshu.com"
    assert referrer_host("http://[::1]:8080/") == "::1"
    assert referrer_host(None) is None and referrer_host("") is None
    assert referrer_host("not a url") == ""
    for broken in ("http://[broken/", "http://[::1", "//[x"):
        assert referrer_host(broken) == ""
    assert referrer_host("https://" + "a" * 300 + ".cn/") == "a" * 255

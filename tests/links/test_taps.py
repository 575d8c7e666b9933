"""A tap's click row: each of the link's fields in its own column (the row the redirect and the
replay of recorded taps both log)."""

from __future__ import annotations

from seedtrail.links.clicklog import COLUMNS
from seedtrail.links.resolver import LiveLink
from seedtrail.links.taps import click_row


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

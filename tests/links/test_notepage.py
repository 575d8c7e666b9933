"""The community's public note page (``/ui/n/{id}``): no key; the note, its visible comments and
only the links the policy lets through now, each with the note's 广告 / 赞助 label and the redirect
as its target. Hidden comments, closed links and removed notes never show."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import auth, build_world, make
from seedtrail.community import notes
from seedtrail.store.store import Store


def _cards(html: str) -> list[str]:
    return re.findall(r'class="link-card" href="/r/(\w+)"', html)


def test_the_public_note_page_shows_only_live_public_content(
    store: Store, client: TestClient
) -> None:
    w = build_world(store)
    op = auth(w.keys["operator"])
    note = w.ids["note"]
    card = w.mount()["code"]
    comment = make(
        store, notes.COMMENTS, note_id=note, body="链接在这里 link here", author_id=w.ids["creator"]
    )["id"]
    on_comment = w.mount(placement="comment", comment_id=comment, offer_id=w.ids["mini_offer"])
    hidden = make(
        store, notes.COMMENTS, note_id=note, body="这条被隐藏", author_id=w.ids["creator"]
    )["id"]
    assert client.patch(f"/comments/{hidden}", json={"status": "hidden"}, headers=op).is_success

    page = client.get(f"/ui/n/{note}")  # no key, no session
    assert page.status_code == 200, page.text
    html = page.text
    assert "夏日防晒测评" in html and "链接在这里 link here" in html
    assert "这条被隐藏" not in html, "a hidden comment is not public"
    assert _cards(html) == [card, on_comment["code"]]
    assert html.count('data-ad-label="sponsored"') == 2 and "赞助" in html  # the collab's label
    assert 'data-target="app"' in html and 'data-target="mini_program"' in html
    assert 'lang="zh-CN"' in html and "<nav>" not in html, "the community's page, not the dashboard"

    en = client.get(f"/ui/n/{note}", headers={"Accept-Language": "en"}).text
    assert "Comments · 1" in en and "赞助 · Sponsored" in en

    # the marketplace's links closed: its card goes, the mini program's stays
    body = {"links_enabled": False, "reason": "drill"}
    killed = client.post(f"/partners/{w.ids['partner']}/kill-switch", json=body, headers=op)
    assert killed.is_success
    assert _cards(client.get(f"/ui/n/{note}").text) == [on_comment["code"]]
    # the comment hidden by a moderator: the comment and its link go
    assert client.patch(f"/comments/{comment}", json={"status": "hidden"}, headers=op).is_success
    html = client.get(f"/ui/n/{note}").text
    assert _cards(html) == [] and "链接在这里" not in html

    assert client.patch(f"/notes/{note}", json={"status": "removed"}, headers=op).is_success
    gone = client.get(f"/ui/n/{note}")
    assert gone.status_code == 404 and "夏日防晒测评" not in gone.text
    assert client.get("/ui/n/987654").status_code == 404

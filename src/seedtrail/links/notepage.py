"""What a note shows the public: the community's own page for one note (``/ui/n/{id}``).

Only public content: a note that is not removed and whose author is not banned (else it is not
found), its visible comments, and the links on both that the link policy lets through right now
(decided by the same :func:`~seedtrail.links.policy.decide` as the redirect, so a card is shown
exactly when a tap on it would lead to the shop). A link shows its offer, its shop and the
note's disclosure (广告 / 赞助); its ``href`` is the redirect, ``/r/{code}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from seedtrail.core.errors import InvalidInput, NotFound, not_found
from seedtrail.links import mounts
from seedtrail.links.lookup import Prefetched
from seedtrail.links.policy import decide
from seedtrail.links.rules import load_rules
from seedtrail.links.taps import PREFIX
from seedtrail.store.schema import accounts, comments, link_mounts, notes
from seedtrail.store.types import utcnow


class LinkCard(TypedDict):
    code: str
    href: str
    placement: str
    title: str
    price: float
    currency: str
    shop: str
    target: str  # web, app or mini_program: where a tap lands after the redirect
    ad_label: str | None  # the note's disclosure, shown on the card


class CommentView(TypedDict):
    id: int
    author: str
    body: str
    links: list[LinkCard]


class NoteView(TypedDict):
    id: int
    title: str
    body: str
    author: str
    author_handle: str
    category: str
    published_at: datetime
    ad_label: str | None
    links: list[LinkCard]
    comments: list[CommentView]


def public_note(conn: Connection, note_id: int) -> NoteView:
    """The public view of note ``note_id``; :class:`NotFound` when it is not public."""
    note = conn.execute(select(notes).where(notes.c.id == note_id)).mappings().first()
    author = None
    if note is not None:
        query = select(accounts).where(accounts.c.id == note["author_id"])
        author = conn.execute(query).mappings().first()
    if (
        note is None
        or author is None
        or note["status"] == "removed"
        or author["status"] == "banned"  # a banned account's notes are not public
    ):
        raise NotFound(not_found("note", note_id))
    shown = conn.execute(
        select(comments.c.id, comments.c.body, accounts.c.display_name)
        .join(accounts, accounts.c.id == comments.c.author_id)
        .where(
            comments.c.note_id == note_id,
            comments.c.status == "visible",
            accounts.c.status != "banned",
        )
        .order_by(comments.c.id)
    ).all()
    cards = live_cards(conn, note_id, [c.id for c in shown])
    return {
        "id": note["id"],
        "title": note["title"],
        "body": note["body"],
        "author": author["display_name"],
        "author_handle": author["handle"],
        "category": note["category"],
        "published_at": note["published_at"],
        "ad_label": note["ad_label"],
        "links": cards.get(("note", note_id), []),
        "comments": [_comment(c, cards) for c in shown],
    }


def _comment(c: Any, cards: dict[tuple[str, int], list[LinkCard]]) -> CommentView:
    return {
        "id": c.id,
        "author": c.display_name,
        "body": c.body,
        "links": cards.get(("comment", c.id), []),
    }


def live_cards(
    conn: Connection, note_id: int, comment_ids: list[int]
) -> dict[tuple[str, int], list[LinkCard]]:
    """The live links on the note's card and on the given comments, by ``("note", id)`` or
    ``("comment", id)``, in mount order; a link the policy closes now is left out."""
    lm = link_mounts.c
    anchored = (lm.note_id == note_id) & (lm.placement == "note_card")
    if comment_ids:
        anchored = anchored | ((lm.placement == "comment") & lm.comment_id.in_(comment_ids))
    query = select(link_mounts).where(anchored, lm.status == "active").order_by(lm.id)
    rows = [dict(m) for m in conn.execute(query).mappings()]
    look = Prefetched(conn, rows)
    rules, now = load_rules(conn), utcnow()
    out: dict[tuple[str, int], list[LinkCard]] = {}
    for m in rows:
        try:
            ctx = mounts.gather_row(conn, m, lookup=look)
        except InvalidInput:  # its comment or offer is gone: the redirect cannot serve it either
            continue
        if not decide(ctx.facts, rules, now).allowed:
            continue
        offer = look.rows["offers"][m["offer_id"]]
        partner = look.rows["partners"][offer["partner_id"]]
        key = ("comment", m["comment_id"]) if m["placement"] == "comment" else ("note", note_id)
        out.setdefault(key, []).append(
            {
                "code": m["code"],
                "href": f"{PREFIX}{m['code']}",
                "placement": m["placement"],
                "title": offer["title"],
                "price": float(offer["price"]),
                "currency": offer["currency"],
                "shop": partner["name"],
                "target": ctx.target.kind,
                "ad_label": ctx.facts.ad_label,
            }
        )
    return out

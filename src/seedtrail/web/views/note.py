"""The community's public page for one note (``/ui/n/{id}``), phone-width: its title and text,
the link card with its 广告 / 赞助 label, and the comments with their links. No key is needed:
it shows only what :func:`seedtrail.links.notepage.public_note` makes public (a live note, its
visible comments, the links the policy lets through now). A tap on a card goes through the
redirect (``/r/{code}``), to the shop, its app's interstitial or the WeChat consent page."""

from __future__ import annotations

from starlette.responses import Response

from seedtrail.links.notepage import public_note
from seedtrail.web.render import Ctx, public


@public
def note_page(ctx: Ctx) -> Response:
    ident = ctx.ident
    with ctx.web.store.read() as conn:
        note = public_note(conn, ident)
    return ctx.render("note.html", note=note)

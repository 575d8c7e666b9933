"""Which views a principal sees in the navigation: derived from the read roles of what each view
reads, so the menu never offers a page the API would refuse."""

from __future__ import annotations

from seedtrail.community import campaigns, notes
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases
from seedtrail.impact import history
from seedtrail.links import mounts, rules
from seedtrail.store import audit

VIEWS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/ui/brand", "nav.brand", campaigns.RESOURCE.read_roles),
    ("/ui/items", "nav.items", frozenset({"operator", "brand"})),
    ("/ui/operator", "nav.operator", rules.RESOURCE.read_roles & audit.READERS),
    ("/ui/operator/impact", "nav.impact", history.READERS),
    ("/ui/health", "nav.health", frozenset({"operator", "moderator", "partner"})),
    ("/ui/shop", "nav.shop", frozenset({"operator", "partner"})),
    ("/ui/commission", "nav.commission", frozenset({"operator", "creator"})),
    ("/ui/moderator", "nav.moderator", cases.STAFF),
    (
        "/ui/creator",
        "nav.creator",
        notes.NOTES.read_roles & mounts.RESOURCE.read_roles - {"brand", "moderator"},
    ),
)

#: views a creator is offered only when its account is a buyer (买手): the others have no
#: commission statement (the page itself says so, for a creator that goes there anyway)
BUYER_VIEWS = frozenset({"/ui/commission"})

HOME = {
    "brand": "/ui/brand",
    "operator": "/ui/operator",
    "moderator": "/ui/moderator",
    "creator": "/ui/creator",
    "partner": "/ui/health",
}


def items(actor: Principal, *, buyer: bool = False) -> list[tuple[str, str]]:
    """The views offered to ``actor``; ``buyer``: a creator's account is a buyer."""
    return [
        (path, label)
        for path, label, roles in VIEWS
        if actor.role in roles and (buyer or actor.role != "creator" or path not in BUYER_VIEWS)
    ]


def current(entries: list[tuple[str, str]], path: str) -> str | None:
    """The entry a page belongs to: the longest one its path lies under (the impact page is
    under ``/ui/operator/impact``, not the link policy's ``/ui/operator``)."""
    under = [href for href, _ in entries if path == href or path.startswith(href + "/")]
    return max(under, key=len, default=None)


def refuses(actor: Principal, path: str) -> bool:
    """Whether ``path`` is a view the navigation does not offer ``actor`` (its pages below, such
    as one campaign or one case, answer as the API answers for that object)."""
    return any(path == view and actor.role not in roles for view, _, roles in VIEWS)

"""Which views a principal sees in the navigation: derived from the read roles of what each view
reads, so the menu never offers a page the API would refuse."""

from __future__ import annotations

from seedtrail.community import campaigns, notes
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases
from seedtrail.links import mounts, rules
from seedtrail.store import audit

VIEWS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/ui/brand", "nav.brand", campaigns.RESOURCE.read_roles),
    ("/ui/items", "nav.items", frozenset({"operator", "brand"})),
    ("/ui/operator", "nav.operator", rules.RESOURCE.read_roles & audit.READERS),
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

HOME = {
    "brand": "/ui/brand",
    "operator": "/ui/operator",
    "moderator": "/ui/moderator",
    "creator": "/ui/creator",
    "partner": "/ui/health",
}


def items(actor: Principal) -> list[tuple[str, str]]:
    return [(path, label) for path, label, roles in VIEWS if actor.role in roles]

"""The link policy tests' mount: a brand's offer on a creator's labelled note under a collab, at
a fixed time (``tests/links/test_policy.py`` and ``test_policy_text.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from seedtrail.links.policy import Account, MountFacts

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
CREATOR = Account(2, "creator", 12_000, False, "active")
BRAND = Account(1, "brand", 50_000, True, "active")


def facts(**kw: object) -> MountFacts:
    """The mount's facts, with any field replaced by ``kw``."""
    base: dict[str, object] = dict(
        placement="note_card",
        partner_id=1,
        partner_slug="taobao",
        partner_links_enabled=True,
        category="skincare",
        audience=CREATOR,
        offer_owner=BRAND,
        note_status="normal",
        has_collab=True,
        ad_label="sponsored",
    )
    base.update(kw)
    return MountFacts(**base)  # type: ignore[arg-type]

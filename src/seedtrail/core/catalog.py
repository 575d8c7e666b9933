"""The resources with plain create/list/get/update, served alike by the API (``/accounts``...)
and the CLI (``seedtrail accounts``...). Kept apart from the API so the CLI starts without it."""

from __future__ import annotations

from seedtrail.community import accounts, campaigns, collabs, notes
from seedtrail.links import offers, partners, rules

CRUD = (
    accounts.RESOURCE,
    notes.NOTES,
    notes.COMMENTS,
    partners.RESOURCE,
    offers.RESOURCE,
    collabs.RESOURCE,
    campaigns.RESOURCE,
    rules.RESOURCE,
)

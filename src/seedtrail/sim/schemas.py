"""Arrow schemas of every file the simulator writes (the shared data contracts).

Documented column by column in docs/sim.md. Timestamps are ``timestamp[us, tz=UTC]``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from seedtrail.contracts import BACK_KINDS, COMMUNITY_EVENT, FRONT_KINDS, SHOP_EVENT, TAP, TS

# The event files are the shared event contracts (seedtrail.contracts): the community's events
# (the simulator's app log includes its taps as kind ``click``), the shops' deliveries, the taps.
FRONT_EVENTS = COMMUNITY_EVENT
CONVERSIONS = SHOP_EVENT
CONVERSION_KINDS = BACK_KINDS
CLICKS = TAP
__all__ = ["CLICKS", "CONVERSIONS", "CONVERSION_KINDS", "FRONT_EVENTS", "FRONT_KINDS", "TS"]

# A table being built row by row: each column name and its values (pa.table takes it as is).
Columns = dict[str, list[Any]]

COMMENTS = pa.schema(
    [
        ("comment_id", pa.int64()),
        ("note_id", pa.int64()),
        ("author", pa.int64()),
        ("text", pa.string()),
        ("ts", TS),
    ]
)

# ---- each party's own directory of people (the clean room's inputs) ----
COMMUNITY_USERS = pa.schema(
    [("user_key", pa.string()), ("phone", pa.string()), ("device_id", pa.string())]
)
SHOP_CUSTOMERS = pa.schema(
    [("shop_user_key", pa.string()), ("phone", pa.string()), ("device_id", pa.string())]
)

ACCOUNTS = pa.schema(
    [
        ("account_id", pa.int64()),
        ("kind", pa.string()),
        ("display_name", pa.string()),
        ("followers", pa.int64()),
        ("category", pa.string()),
        ("bio", pa.string()),
        ("created_at", TS),
    ]
)
NOTES = pa.schema(
    [
        ("note_id", pa.int64()),
        ("author_id", pa.int64()),
        ("category", pa.string()),
        ("title", pa.string()),
        ("body", pa.string()),
        ("published_at", TS),
    ]
)
PARTNERS = pa.schema(
    [
        ("partner", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("declared_sample_rate", pa.float64()),
    ]
)
OFFERS = pa.schema(
    [
        ("offer_id", pa.int64()),
        ("partner", pa.string()),
        ("brand_id", pa.int64()),
        ("item_id", pa.string()),
        ("title", pa.string()),
        ("category", pa.string()),
        ("price", pa.float64()),
        ("currency", pa.string()),
    ]
)
LINK_MOUNTS = pa.schema(
    [
        ("mount_id", pa.int64()),
        ("offer_id", pa.int64()),
        ("note_id", pa.int64()),
        ("account_id", pa.int64()),
        ("placement", pa.string()),
        ("created_at", TS),
        ("starts_at", TS),  # a live room's session (its link valid only while it is live)
        ("expires_at", TS),
    ]
)
COLLAB_REGISTRATIONS = pa.schema(
    [
        ("registration_id", pa.int64()),
        ("brand_id", pa.int64()),
        ("creator_id", pa.int64()),
        ("note_id", pa.int64()),
        ("fee", pa.float64()),
        ("registered_at", TS),
    ]
)
CAMPAIGNS = pa.schema(
    [
        ("campaign_id", pa.int64()),
        ("brand_id", pa.int64()),
        ("name", pa.string()),
        ("starts_at", TS),
        ("ends_at", TS),
        ("daily_budget", pa.float64()),
    ]
)
CAMPAIGN_NOTES = pa.schema([("campaign_id", pa.int64()), ("note_id", pa.int64())])
#: Who pays part of a campaign's spend besides its brand (a marketplace, or the platform).
CAMPAIGN_FUNDERS = pa.schema(
    [
        ("campaign_id", pa.int64()),
        ("funder", pa.string()),
        ("partner", pa.string()),
        ("share", pa.float64()),
    ]
)
CAMPAIGN_SPEND = pa.schema(
    [
        ("campaign_id", pa.int64()),
        ("note_id", pa.int64()),
        ("day", pa.date32()),
        ("spend", pa.float64()),
        ("boosted_impressions", pa.int64()),
    ]
)

# ---- ground truth ----
IDENTITY_MAP = pa.schema(
    [("community_key", pa.string()), ("shop_key", pa.string()), ("partner", pa.string())]
)
TRUTH_VIEWERS = pa.schema(
    [
        ("viewer_index", pa.int64()),
        ("community_key", pa.string()),
        ("account_id", pa.int64()),
        ("holdout", pa.bool_()),
        ("home_category", pa.string()),
    ]
)
TRUTH_CONVERSIONS = pa.schema(
    [
        ("event_id", pa.string()),
        ("partner", pa.string()),
        ("shop_user_key", pa.string()),
        ("community_key", pa.string()),
        ("kind", pa.string()),
        ("ts", TS),
        ("value", pa.float64()),
        ("order_id", pa.string()),
        ("caused", pa.bool_()),
        ("note_id", pa.int64()),
        ("exposure_event_id", pa.string()),
        ("exposure_kind", pa.string()),
        ("exposure_ts", TS),
        ("campaign_id", pa.int64()),
        ("boosted", pa.bool_()),
        ("delivery", pa.string()),
    ]
)
DELIVERY_STATES = ("delivered", "sampled_out", "lost_in_gap", "not_yet_delivered")
TRUTH_NOTES = pa.schema(
    [
        ("note_id", pa.int64()),
        ("note_kind", pa.string()),
        ("brand_id", pa.int64()),
        ("offer_id", pa.int64()),
        ("mount_id", pa.int64()),
    ]
)
TRUTH_BAD_ACTORS = pa.schema(
    [
        ("account_id", pa.int64()),
        ("kind", pa.string()),
        ("wa_campaign_id", pa.int64()),
        ("target_note_ids", pa.list_(pa.int64())),
    ]
)
TRUTH_BAD_ITEMS = pa.schema(
    [
        ("item_type", pa.string()),  # comment | note | profile
        ("item_id", pa.int64()),  # comment_id, note_id or account_id
        ("account_id", pa.int64()),
        ("kind", pa.string()),
        ("wa_campaign_id", pa.int64()),
        ("family", pa.string()),
        ("contact_kind", pa.string()),
        ("contact_value", pa.string()),
    ]
)
TRUTH_FAULTS = pa.schema(
    [
        ("partner", pa.string()),
        ("kind", pa.string()),  # gap | late | duplicate
        ("event_id", pa.string()),
        ("starts_at", TS),
        ("ends_at", TS),
    ]
)

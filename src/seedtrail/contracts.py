"""The event contracts: the kinds of events and the Arrow schemas of the three streams that every
part of seedtrail reads and writes (intake validates against them, the lake stores them, the
simulator writes them, attribution reads them).

* **front-link events** (``front``): what the community's own app logs about a person and a note
  (impressions, reads, engagements), posted to intake as community events;
* **clicks**: taps on a mounted link, logged by seedtrail's own redirect (``/r/{code}``) and sealed
  into the lake as front-link events of kind ``click``, carrying the redirect's verdict (bot,
  repeat, outcome) so that attribution can leave uncounted clicks out;
* **back-link events** (``back``): what shops send back (searches, visits, carts, purchases,
  refunds), through signed postbacks or file imports.

Ids that come from outside (notes, users, orders, items) are strings and are kept unchanged;
seedtrail's own ids (campaigns, mounts, offers) are integers.
"""

from __future__ import annotations

from typing import Literal, get_args

import pyarrow as pa

#: Kinds the community posts as front-link events. ``search_view``: a brand card seen in search
#: results (搜索品专); ``live_view``: a person in a live-stream room (直播间) while it is live.
CommunityKind = Literal[
    "impression", "read", "like", "collect", "comment", "share", "follow", "search_view",
    "live_view",
]  # fmt: skip
#: Every front-link (touch) kind: the community's kinds and the redirect's clicks (the kinds added
#: later come after ``click``, so that the codes of the older ones never change).
FrontKind = Literal[
    "impression", "read", "like", "collect", "comment", "share", "follow", "click",
    "search_view", "live_view",
]  # fmt: skip
EngagementKind = Literal["like", "collect", "comment", "share", "follow"]
BackKind = Literal[
    "search",
    "store_visit",
    "product_view",
    "add_to_cart",
    "purchase",
    "refund",
    "cancel",
    "order_status",
]
#: Where a link sits: on a note's card, in its comment area, on a brand's profile card, on a
#: brand card in search results (搜索品专) or in a live-stream room (直播间, valid only while the
#: session is live).
Placement = Literal["note_card", "comment", "profile_card", "search_card", "live_room"]
#: What the redirect answered a tap with (the click log's ``outcome``).
ClickOutcome = Literal["redirect", "interstitial", "consent", "unavailable"]

COMMUNITY_KINDS: tuple[str, ...] = get_args(CommunityKind)
FRONT_KINDS: tuple[str, ...] = get_args(FrontKind)
ENGAGEMENT_KINDS: tuple[str, ...] = get_args(EngagementKind)
BACK_KINDS: tuple[str, ...] = get_args(BackKind)
PLACEMENTS: tuple[str, ...] = get_args(Placement)
#: Placements anchored on an account (its profile, its search card, its live room), not a note.
ACCOUNT_PLACEMENTS: tuple[str, ...] = ("profile_card", "search_card", "live_room")
CLICK_OUTCOMES: tuple[str, ...] = get_args(ClickOutcome)
#: Outcomes that sent the person on to the shop (a 410 "link unavailable" did not).
SENT_OUTCOMES: tuple[str, ...] = ("redirect", "interstitial", "consent")
#: A click counts (is a touch that attribution and click counts use) when it came from a person,
#: not a crawler or previewer (``bot``), is not the same viewer's repeat tap on the same link
#: within the duplicate window (``repeat``), and the redirect sent the person on to the shop.
#: The same rule over the lake's click events, as SQL:
COUNTED_CLICK_SQL = (
    "(NOT COALESCE(bot, FALSE) AND NOT COALESCE(repeat, FALSE) AND outcome IN "
    "('redirect', 'interstitial', 'consent'))"
)
#: Back-link kinds whose ``order_id`` identifies one order: a re-sent one counts once.
ORDER_KINDS: tuple[str, ...] = ("purchase", "refund")

TS = pa.timestamp("us", tz="UTC")

#: Columns seedtrail sets on arrival (never sent by the community or a shop).
RECEIVED = ("received_at",)
#: Columns only clicks carry (set by the redirect).
CLICK_ONLY = ("partner", "mount_id", "offer_id", "bot", "repeat", "outcome")

FRONT = pa.schema(
    [
        ("event_id", pa.string()),
        ("user_key", pa.string()),
        ("note_id", pa.string()),
        ("kind", pa.string()),
        ("ts", TS),
        ("received_at", TS),
        ("click_id", pa.string()),
        ("placement", pa.string()),
        ("dwell_ms", pa.int32()),
        ("campaign_id", pa.int64()),
        ("boosted", pa.bool_()),
        ("partner", pa.string()),
        ("mount_id", pa.int64()),
        ("offer_id", pa.int64()),
        ("bot", pa.bool_()),
        ("repeat", pa.bool_()),
        ("outcome", pa.string()),
    ]
)
BACK = pa.schema(
    [
        ("event_id", pa.string()),
        ("partner", pa.string()),
        ("shop_user_key", pa.string()),
        ("kind", pa.string()),
        ("ts", TS),
        ("received_at", TS),
        ("value", pa.float64()),
        ("currency", pa.string()),
        ("order_id", pa.string()),
        ("click_id", pa.string()),
        ("keyword", pa.string()),
        ("sample_rate", pa.float64()),
        ("item_id", pa.string()),
        ("declared_sample_rate", pa.float64()),  # the partner's, when the event arrived
    ]
)


def without(schema: pa.Schema, names: tuple[str, ...]) -> pa.Schema:
    """``schema`` less the fields ``names`` (order kept)."""
    return pa.schema([f for f in schema if f.name not in names])


#: A community event as sent (and as the simulator writes ``events/front.parquet``).
COMMUNITY_EVENT = without(FRONT, RECEIVED + CLICK_ONLY)
#: A shop's back-link event as sent (the simulator's ``conversions/*.parquet``): the shop sends
#: no ``declared_sample_rate`` (seedtrail records the partner's) but may replay ``received_at``.
SHOP_EVENT = without(BACK, ("declared_sample_rate",))
#: A tap as the simulator writes ``events/clicks.parquet`` (its ground truth of taps, replayed
#: through the redirect's policy by ``sim load``).
TAP = pa.schema(
    [
        ("click_id", pa.string()),
        ("user_key", pa.string()),
        ("note_id", pa.string()),
        ("mount_id", pa.int64()),
        ("offer_id", pa.int64()),
        ("partner", pa.string()),
        ("placement", pa.string()),
        ("ts", TS),
        ("campaign_id", pa.int64()),  # the boost the tap came through (the app passes ``c``)
    ]
)

SCHEMAS = {"front": FRONT, "back": BACK}
#: Columns that identify an event within its stream (partner event ids are per partner).
KEYS = {"front": ("event_id",), "back": ("partner", "event_id")}

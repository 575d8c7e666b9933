"""Table definitions of the OLTP store (SQLAlchemy Core). Alembic migrations create them."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from seedtrail.contracts import PLACEMENTS as CONTRACT_PLACEMENTS
from seedtrail.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ACCOUNT_KINDS = ("creator", "brand", "enterprise", "buyer")
ACCOUNT_STATUSES = ("active", "suspended", "banned")
NOTE_STATUSES = ("normal", "throttled", "removed")
#: A note's advertising disclosure, shown beside its links: 广告 (``ad``) or 赞助 (``sponsored``).
AD_LABELS = ("ad", "sponsored")
COMMENT_STATUSES = ("visible", "hidden", "removed")
PARTNER_KINDS = ("marketplace", "mini_program", "web_shop", "own_shop")
PLACEMENTS = CONTRACT_PLACEMENTS
MOUNT_STATUSES = ("active", "disabled")
RULE_EFFECTS = ("open", "closed")
#: Who a principal (an API key) acts as.
Role = Literal["operator", "brand", "creator", "partner", "moderator"]
ROLES: tuple[Role, ...] = get_args(Role)
SUBJECT_TYPES = ("account", "note", "comment")
#: What a case can be about: a subject above, or a whole campaign (its members' cases point to it)
CASE_SUBJECTS = (*SUBJECT_TYPES, "campaign")
CASE_STATUSES = ("open", "actioned", "dismissed", "appealed", "overturned")
ENFORCEMENT_ACTIONS = ("label", "hide", "throttle", "remove", "ban", "revoke_link_privileges")
APPEAL_OUTCOMES = ("upheld", "overturned")


def _in(col: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    info = {"column": col, "values": values}  # for choices(), not part of the DDL
    return CheckConstraint(f"{col} IN ({quoted})", name=f"{col}_valid", info=info)


def choices(table: Table, column: str) -> tuple[str, ...] | None:
    """The values a column may hold (its ``IN`` check), or None when it holds any."""
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint) and constraint.info.get("column") == column:
            return tuple(constraint.info["values"])
    return None


def _times() -> list[Column[object]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("follower_count", BigInteger, nullable=False, default=0),
    Column("verified", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False, default="active"),
    Column("bio", Text),
    Column("commission_rate", Float),  # a buyer's (买手) share of the GMV its links bring
    *_times(),
    _in("kind", ACCOUNT_KINDS),
    _in("status", ACCOUNT_STATUSES),
    CheckConstraint("follower_count >= 0", name="followers_nonnegative"),
    CheckConstraint(
        "commission_rate IS NULL OR (commission_rate >= 0 AND commission_rate < 1)",
        name="commission_rate_range",
    ),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("author_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("category", String(32), nullable=False, index=True),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False, default="normal"),
    Column("ad_label", String(16)),  # one of AD_LABELS, or none
    *_times(),
    _in("status", NOTE_STATUSES),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id"), nullable=False, index=True),
    Column("author_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, default="visible"),
    *_times(),
    _in("status", COMMENT_STATUSES),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("allowed_hosts", JSON, nullable=False),
    Column("web_url_template", String(500)),
    Column("app_url_template", String(500)),
    Column("mini_program_app_id", String(64)),
    Column("mini_program_path_template", String(500)),
    Column("declared_sample_rate", Float, nullable=False, default=1.0),
    Column("links_enabled", Boolean, nullable=False, default=True),
    Column("allow_http", Boolean, nullable=False, default=False, server_default=false()),
    *_times(),
    _in("kind", PARTNER_KINDS),
    CheckConstraint(
        "declared_sample_rate > 0 AND declared_sample_rate <= 1", name="sample_rate_range"
    ),
)

partner_secrets = Table(
    "partner_secrets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False, index=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False, index=True),
    Column("owner_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("item_id", String(128)),
    Column("url", String(2000)),
    Column("title", String(200), nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False, default="CNY"),
    Column("category", String(32), nullable=False),
    Column("status", String(16), nullable=False, default="active"),
    *_times(),
    CheckConstraint("item_id IS NOT NULL OR url IS NOT NULL", name="item_or_url"),
    CheckConstraint("price >= 0", name="price_nonnegative"),
)

link_mounts = Table(
    "link_mounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(8), nullable=False, unique=True),
    Column("placement", String(16), nullable=False),
    Column("note_id", Integer, ForeignKey("notes.id"), index=True),
    Column("comment_id", Integer, ForeignKey("comments.id")),
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("offer_id", Integer, ForeignKey("offers.id"), nullable=False, index=True),
    Column("mounted_by", Integer, ForeignKey("accounts.id")),
    Column("status", String(16), nullable=False, default="active"),
    Column("expires_at", UTCDateTime()),
    Column("starts_at", UTCDateTime()),  # a live room's session start (expires_at: its end)
    *_times(),
    _in("placement", PLACEMENTS),
    _in("status", MOUNT_STATUSES),
)

collab_registrations = Table(
    "collab_registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("creator_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("note_id", Integer, ForeignKey("notes.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False, default="pending"),
    Column("accepted_at", UTCDateTime()),
    Column("accepted_by", String(100)),
    *_times(),
    UniqueConstraint("brand_id", "creator_id", "note_id", name="uq_collab_triple"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("status", String(16), nullable=False, default="active"),
    *_times(),
)

campaign_notes = Table(
    "campaign_notes",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id"), primary_key=True),
)

campaign_spend = Table(
    "campaign_spend",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("note_id", Integer, ForeignKey("notes.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("amount", Numeric(14, 2), nullable=False),
    CheckConstraint("amount >= 0", name="amount_nonnegative"),
)

#: Who pays for a boost besides the brand: a marketplace (a partner) or the platform's subsidy.
CO_FUNDERS = ("marketplace", "platform")

campaign_funders = Table(
    "campaign_funders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("funder", String(16), nullable=False),
    Column("partner_id", Integer, ForeignKey("partners.id"), index=True),
    Column("share", Float, nullable=False),
    *_times(),
    _in("funder", CO_FUNDERS),
    CheckConstraint("share > 0 AND share < 1", name="share_range"),
    CheckConstraint(
        "(funder = 'marketplace') = (partner_id IS NOT NULL)", name="marketplace_has_partner"
    ),
    UniqueConstraint("campaign_id", "funder", "partner_id", name="uq_campaign_funder"),
)

policy_rules = Table(
    "policy_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("effect", String(8), nullable=False),
    Column("partner_id", Integer, ForeignKey("partners.id")),
    Column("category", String(32)),
    Column("placement", String(16)),
    Column("starts_at", UTCDateTime()),
    Column("ends_at", UTCDateTime()),
    Column("min_followers", BigInteger, nullable=False, default=0),
    Column("enabled", Boolean, nullable=False, default=True),
    *_times(),
    _in("effect", RULE_EFFECTS),
)

#: A case: one subject (account, note or comment) flagged by one detector with its evidence.
#: ``evidence_hash`` makes intake idempotent; ``group_key`` ties the cases of one campaign together;
#: ``owner_account_id`` is the account that may see the case and appeal it. A water-army campaign is
#: one case (subject ``campaign``); each member's case points to it by ``parent_id`` and stays out
#: of the queue, acted on by the campaign's group action and appealed by its member.
cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", BigInteger, nullable=False),
    Column("owner_account_id", Integer, ForeignKey("accounts.id"), index=True),
    Column("detector", String(32), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("reach", BigInteger, nullable=False, default=0),
    Column("summary", Text, nullable=False),
    Column("summary_code", String(48)),
    Column("summary_params", JSON),
    Column("evidence", JSON, nullable=False),
    Column("evidence_hash", String(64), nullable=False),
    Column("group_key", String(64), index=True),
    Column("parent_id", Integer),  # a campaign case (same table, written by intake)
    Column("status", String(16), nullable=False, default="open"),
    Column("opened_by", String(100), nullable=False),
    *_times(),
    _in("subject_type", CASE_SUBJECTS),
    _in("status", CASE_STATUSES),
    CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
    CheckConstraint("reach >= 0", name="reach_nonnegative"),
    UniqueConstraint(
        "subject_type", "subject_id", "detector", "evidence_hash", name="uq_cases_identity"
    ),
)

#: An action taken on a case's subject. ``prior_state`` is what the action changed (restored
#: exactly on reversal), ``applied_state`` what it set; ``account_id`` is the account whose link
#: privileges or status the action concerns (for account subjects).
enforcement_actions = Table(
    "enforcement_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", BigInteger, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), index=True),
    Column("prior_state", JSON),
    Column("applied_state", JSON),
    Column("reason", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("rule", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("reversed_at", UTCDateTime()),
    Column("reversed_by", String(100)),
    Column("reversal_reason", Text),
    Column("appeal_id", Integer, ForeignKey("appeals.id")),
    _in("action", ENFORCEMENT_ACTIONS),
    _in("subject_type", SUBJECT_TYPES),
)

#: An appeal by the subject's owner against a case's actions, and its recorded outcome.
appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("filed_by", String(100), nullable=False),
    Column("statement", Text, nullable=False),
    Column("outcome", String(16)),
    Column("reviewer", String(100)),
    Column("decision_reason", Text),
    Column("decided_at", UTCDateTime()),
    *_times(),
    CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'overturned')", name="outcome_valid"),
)

Index(
    "ix_enforcement_actions_subject",
    enforcement_actions.c.subject_type,
    enforcement_actions.c.subject_id,
)
#: The staff queue (cases outside any campaign) in its order (severity, reach, id), alone and behind
#: each equality filter, so a page is read from an index in order instead of sorting every
#: matching case (1M open cases: 0.9 s → about 1 ms). Partial indexes (``parent_id IS NULL``)
#: because PostgreSQL does not take an ``IS NULL`` column as constant for ordering.
_RANK = (cases.c.severity.desc(), cases.c.reach.desc(), cases.c.id)


def _staff_queue_index(name: str, *lead: Column[str]) -> Index:
    staff = cases.c.parent_id.is_(None)
    return Index(name, *lead, *_RANK, sqlite_where=staff, postgresql_where=staff)


_staff_queue_index("ix_cases_rank")
_staff_queue_index("ix_cases_queue", cases.c.status)
_staff_queue_index("ix_cases_detector_rank", cases.c.detector)
_staff_queue_index("ix_cases_subject_rank", cases.c.subject_type)
Index("ix_cases_members", cases.c.parent_id, *_RANK)  # a campaign's members; SQLite's staff queue

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False, index=True),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64)),
    Column("before", JSON),
    Column("after", JSON),
    Column("detail", JSON),
)

principals = Table(
    "principals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("partner_id", Integer, ForeignKey("partners.id")),
    Column("key_prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    _in("role", ROLES),
)

clicks = Table(
    "clicks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("click_id", String(32), nullable=False, unique=True),
    Column("ts_us", BigInteger, nullable=False, index=True),
    Column("mount_id", Integer, nullable=False, index=True),
    Column("code", String(8), nullable=False),
    Column("note_id", Integer),
    Column("comment_id", Integer),
    Column("profile_account_id", Integer),
    Column("placement", String(16), nullable=False),
    Column("partner_id", Integer, nullable=False),
    Column("offer_id", Integer, nullable=False),
    Column("viewer_key", String(64), nullable=False),
    Column("method", String(8), nullable=False),
    Column("ua_class", String(16), nullable=False),
    Column("referrer_host", String(255)),
    Column("outcome", String(16), nullable=False),
    Column("is_bot", Boolean, nullable=False),
    Column("is_duplicate", Boolean, nullable=False),
    Column("campaign_id", Integer),  # the boost the tap came through, when the redirect kept it
)

meta = Table(
    "seedtrail_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# (partner, time) serves backhaul health; no index on viewer keys (duplicates are found in memory,
# and an index on random keys costs the click log a page write per click).
Index("ix_clicks_partner_ts", clicks.c.partner_id, clicks.c.ts_us)

# --- event intake: the inbox of acknowledged events -------------------------------------------
STREAMS = ("front", "back")

#: Acknowledged events not yet sealed into the lake. ``source`` is the partner slug for
#: back-link events and ``community`` for front-link events; ``payload`` is the validated event
#: as JSON. The unique key makes a repeated delivery a no-op.
inbox = Table(
    "inbox",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("stream", String(8), nullable=False),
    Column("source", String(40), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    UniqueConstraint("stream", "source", "event_id", name="uq_inbox_event"),
    _in("stream", STREAMS),
)

#: Deliveries per source and received hour: events delivered and how many were repeats.
intake_counts = Table(
    "intake_counts",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("hour_us", BigInteger, primary_key=True),
    Column("received", BigInteger, nullable=False),
    Column("duplicates", BigInteger, nullable=False),
)

#: Standard Webhooks deliveries already stored, by the shop's ``webhook-id`` (the idempotency
#: key): a delivery seen again is acknowledged and stores nothing, whatever its events' ids.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("webhook_id", String(256), primary_key=True),
    Column("received_us", BigInteger, nullable=False),
)

#: Last backhaul health status per partner (the alert webhook fires when it changes).
backhaul_status = Table(
    "backhaul_status",
    metadata,
    Column("partner_id", Integer, ForeignKey("partners.id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
)

#: Operator holds on a partner's backhaul: while one is in force (``released_at`` empty), the
#: partner's figures are withheld from brand reports with the stated reason.
partner_holds = Table(
    "partner_holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False, index=True),
    Column("reason", String(500), nullable=False),
    Column("held_by", String(200), nullable=False),
    Column("held_at", UTCDateTime(), nullable=False),
    Column("released_by", String(200)),
    Column("released_at", UTCDateTime()),
    Column("release_reason", String(500)),
)

# --- clean room: privacy budgets, runs and releases -------------------------------------------
#: No configuration may allow more epsilon per brand, campaign and 7-day period.
PRIVACY_HARD_CAP = 10.0

#: The differential-privacy budget of one brand, campaign and 7-day period: the epsilon spent so
#: far. A charge locks this row (``SELECT ... FOR UPDATE``; SQLite serialises writers with
#: ``BEGIN IMMEDIATE``), so charges from every API node and CLI run queue on it; the check keeps
#: even a faulty writer under the hard cap.
privacy_budgets = Table(
    "privacy_budgets",
    metadata,
    Column("brand", String(100), primary_key=True),
    Column("campaign_id", Integer, primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("spent", Float, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        f"spent >= 0 AND spent <= {PRIVACY_HARD_CAP} + 0.000001", name="spent_within_hard_cap"
    ),
)

#: One row per DP release: what it spent from which budget, who asked, when, and for what.
privacy_spends = Table(
    "privacy_spends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", String(32), nullable=False, unique=True),
    Column("brand", String(100), nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("template", String(32), nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("spent_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(
        ["brand", "campaign_id", "period_start"],
        [privacy_budgets.c.brand, privacy_budgets.c.campaign_id, privacy_budgets.c.period_start],
    ),
    CheckConstraint("epsilon > 0 AND epsilon <= 1", name="epsilon_per_release"),
)
Index(
    "ix_privacy_spends_budget",
    privacy_spends.c.brand,
    privacy_spends.c.campaign_id,
    privacy_spends.c.period_start,
)

#: Released k-reports, frozen per brand, campaign, template and period: asking again returns
#: these cells, so late rows cannot be isolated by differencing two answers.
frozen_releases = Table(
    "frozen_releases",
    metadata,
    Column("brand", String(100), primary_key=True),
    Column("campaign_id", Integer, primary_key=True),
    Column("template", String(32), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("release_id", String(32), nullable=False, unique=True),
    Column("rule", JSON, nullable=False),
    Column("cells", JSON, nullable=False),
    Column("released_by", String(100), nullable=False),
    Column("released_at", UTCDateTime(), nullable=False),
)

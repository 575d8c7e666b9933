"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:02:24.052718
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seedtrail.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("follower_count", sa.BigInteger(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('creator', 'brand', 'enterprise')", name=op.f("ck_accounts_kind_valid")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'banned')", name=op.f("ck_accounts_status_valid")
        ),
        sa.CheckConstraint("follower_count >= 0", name=op.f("ck_accounts_followers_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("handle", name=op.f("uq_accounts_handle")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("click_id", sa.String(length=32), nullable=False),
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("mount_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("profile_account_id", sa.Integer(), nullable=True),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("viewer_key", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("ua_class", sa.String(length=16), nullable=False),
        sa.Column("referrer_host", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("is_duplicate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
        sa.UniqueConstraint("click_id", name=op.f("uq_clicks_click_id")),
    )
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clicks_mount_id"), ["mount_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clicks_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clicks_ts_us"), ["ts_us"], unique=False)
        batch_op.create_index("ix_clicks_viewer_mount", ["viewer_key", "mount_id"], unique=False)

    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("allowed_hosts", sa.JSON(), nullable=False),
        sa.Column("web_url_template", sa.String(length=500), nullable=True),
        sa.Column("app_url_template", sa.String(length=500), nullable=True),
        sa.Column("mini_program_app_id", sa.String(length=64), nullable=True),
        sa.Column("mini_program_path_template", sa.String(length=500), nullable=True),
        sa.Column("declared_sample_rate", sa.Float(), nullable=False),
        sa.Column("links_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('marketplace', 'mini_program', 'web_shop')",
            name=op.f("ck_partners_kind_valid"),
        ),
        sa.CheckConstraint(
            "declared_sample_rate > 0 AND declared_sample_rate <= 1",
            name=op.f("ck_partners_sample_rate_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("slug", name=op.f("uq_partners_slug")),
    )
    op.create_table(
        "seedtrail_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_seedtrail_meta")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["accounts.id"], name=op.f("fk_campaigns_brand_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "enforcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "action IN ('label', 'throttle', 'remove', 'ban', 'revoke_links')",
            name=op.f("ck_enforcements_action_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_enforcements_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcements")),
    )
    with op.batch_alter_table("enforcements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcements_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("published_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('normal', 'throttled', 'removed')", name=op.f("ck_notes_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_notes_author_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_category"), ["category"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "item_id IS NOT NULL OR url IS NOT NULL", name=op.f("ck_offers_item_or_url")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_offers_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["accounts.id"], name=op.f("fk_offers_owner_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_offers_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "partner_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_secrets_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_secrets")),
    )
    with op.batch_alter_table("partner_secrets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_secrets_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "policy_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effect", sa.String(length=8), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("placement", sa.String(length=16), nullable=True),
        sa.Column("starts_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("ends_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("min_followers", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "effect IN ('open', 'closed')", name=op.f("ck_policy_rules_effect_valid")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_policy_rules_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_rules")),
    )
    op.create_table(
        "principals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('operator', 'brand', 'creator', 'partner', 'moderator')",
            name=op.f("ck_principals_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_principals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_principals_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_principals_key_hash")),
    )
    op.create_table(
        "campaign_notes",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_notes_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_campaign_notes_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "note_id", name=op.f("pk_campaign_notes")),
    )
    op.create_table(
        "campaign_spend",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_campaign_spend_amount_nonnegative")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_spend_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_campaign_spend_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "note_id", "day", name=op.f("pk_campaign_spend")),
    )
    op.create_table(
        "collab_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["accounts.id"], name=op.f("fk_collab_registrations_brand_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["accounts.id"],
            name=op.f("fk_collab_registrations_creator_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_collab_registrations_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collab_registrations")),
        sa.UniqueConstraint("brand_id", "creator_id", "note_id", name="uq_collab_triple"),
    )
    with op.batch_alter_table("collab_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collab_registrations_brand_id"), ["brand_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_collab_registrations_creator_id"), ["creator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_collab_registrations_note_id"), ["note_id"], unique=False
        )

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('visible', 'hidden', 'removed')", name=op.f("ck_comments_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_comments_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(["note_id"], ["notes.id"], name=op.f("fk_comments_note_id_notes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_note_id"), ["note_id"], unique=False)

    op.create_table(
        "link_mounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("mounted_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "placement IN ('note_card', 'comment', 'profile_card')",
            name=op.f("ck_link_mounts_placement_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'disabled')", name=op.f("ck_link_mounts_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_link_mounts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_link_mounts_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["mounted_by"], ["accounts.id"], name=op.f("fk_link_mounts_mounted_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_link_mounts_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_link_mounts_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_mounts")),
        sa.UniqueConstraint("code", name=op.f("uq_link_mounts_code")),
    )
    with op.batch_alter_table("link_mounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_mounts_note_id"), ["note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_mounts_offer_id"), ["offer_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("link_mounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_mounts_offer_id"))
        batch_op.drop_index(batch_op.f("ix_link_mounts_note_id"))

    op.drop_table("link_mounts")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_note_id"))
        batch_op.drop_index(batch_op.f("ix_comments_author_id"))

    op.drop_table("comments")
    with op.batch_alter_table("collab_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collab_registrations_note_id"))
        batch_op.drop_index(batch_op.f("ix_collab_registrations_creator_id"))
        batch_op.drop_index(batch_op.f("ix_collab_registrations_brand_id"))

    op.drop_table("collab_registrations")
    op.drop_table("campaign_spend")
    op.drop_table("campaign_notes")
    op.drop_table("principals")
    op.drop_table("policy_rules")
    with op.batch_alter_table("partner_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_secrets_partner_id"))

    op.drop_table("partner_secrets")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_partner_id"))
        batch_op.drop_index(batch_op.f("ix_offers_owner_id"))

    op.drop_table("offers")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_category"))
        batch_op.drop_index(batch_op.f("ix_notes_author_id"))

    op.drop_table("notes")
    with op.batch_alter_table("enforcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcements_account_id"))

    op.drop_table("enforcements")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_brand_id"))

    op.drop_table("campaigns")
    op.drop_table("seedtrail_meta")
    op.drop_table("partners")
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_clicks_viewer_mount")
        batch_op.drop_index(batch_op.f("ix_clicks_ts_us"))
        batch_op.drop_index(batch_op.f("ix_clicks_partner_id"))
        batch_op.drop_index(batch_op.f("ix_clicks_mount_id"))

    op.drop_table("clicks")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("accounts")

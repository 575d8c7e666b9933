"""advertising disclosure on notes: ``notes.ad_label`` (广告 ``ad`` / 赞助 ``sponsored``);
co-funded boosts: ``campaign_funders``; link placements ``search_card`` (搜索品专) and
``live_room`` (直播间) with the live session's start, ``link_mounts.starts_at``

A link under a paid collab on a creator's note needs a visible ad label (Internet Advertising
Measures, 2023); the policy refuses the mount without one. Existing notes under an accepted
collab registration are labelled ``sponsored`` (what accepting one now does).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from seedtrail.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


_PLACEMENT_CHECK = "ck_link_mounts_placement_valid"
_OLD = "placement IN ('note_card', 'comment', 'profile_card')"
_NEW = "placement IN ('note_card', 'comment', 'profile_card', 'search_card', 'live_room')"


def _placement_check(old: str, new: str) -> None:
    """Widen (or narrow back) the placements a mount may have. On SQLite the table's SQL is
    edited in place, as 0008 does for cases (no stored row changes when widening)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(_PLACEMENT_CHECK), "link_mounts", type_="check")
        op.create_check_constraint(op.f(_PLACEMENT_CHECK), "link_mounts", new)
        return
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = 'link_mounts'",
        (old, new),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.add_column("link_mounts", sa.Column("starts_at", UTCDateTime(), nullable=True))
    _placement_check(_OLD, _NEW)
    op.add_column("notes", sa.Column("ad_label", sa.String(16), nullable=True))
    op.execute(
        "UPDATE notes SET ad_label = 'sponsored' WHERE id IN "
        "(SELECT note_id FROM collab_registrations WHERE status = 'active')"
    )

    op.create_table(
        "campaign_funders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "funder IN ('marketplace', 'platform')", name=op.f("ck_campaign_funders_funder_valid")
        ),
        sa.CheckConstraint("share > 0 AND share < 1", name=op.f("ck_campaign_funders_share_range")),
        sa.CheckConstraint(
            "(funder = 'marketplace') = (partner_id IS NOT NULL)",
            name=op.f("ck_campaign_funders_marketplace_has_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_funders_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_campaign_funders_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_funders")),
        sa.UniqueConstraint("campaign_id", "funder", "partner_id", name=op.f("uq_campaign_funder")),
    )
    op.create_index(op.f("ix_campaign_funders_campaign_id"), "campaign_funders", ["campaign_id"])
    op.create_index(op.f("ix_campaign_funders_partner_id"), "campaign_funders", ["partner_id"])


def downgrade() -> None:
    query = "SELECT count(*) FROM link_mounts WHERE placement IN ('search_card', 'live_room')"
    if op.get_bind().execute(sa.text(query)).scalar():
        raise RuntimeError("search-card or live-room mounts exist: 0008 cannot hold them")
    _placement_check(_NEW, _OLD)
    op.drop_column("link_mounts", "starts_at")
    op.drop_table("campaign_funders")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("ad_label")

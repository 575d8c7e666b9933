"""advertising disclosure on notes: ``notes.ad_label`` (广告 ``ad`` / 赞助 ``sponsored``);
co-funded boosts: ``campaign_funders``

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


def upgrade() -> None:
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
    op.drop_table("campaign_funders")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("ad_label")

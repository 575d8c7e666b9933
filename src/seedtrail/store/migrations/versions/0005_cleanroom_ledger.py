"""clean room: the privacy-budget ledger and the frozen-release archive move into the store

They lived in a SQLite file per node (``data_dir/privacy_budget.db``), so a brand could spend
its budget once per API node and difference late rows across nodes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seedtrail.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_T = seedtrail.store.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "privacy_budgets",
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("spent", sa.Float(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.CheckConstraint(
            "spent >= 0 AND spent <= 10.0 + 0.000001",
            name=op.f("ck_privacy_budgets_spent_within_hard_cap"),
        ),
        sa.PrimaryKeyConstraint(
            "brand", "campaign_id", "period_start", name=op.f("pk_privacy_budgets")
        ),
    )
    op.create_table(
        "privacy_spends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("spent_at", _T(), nullable=False),
        sa.CheckConstraint(
            "epsilon > 0 AND epsilon <= 1", name=op.f("ck_privacy_spends_epsilon_per_release")
        ),
        sa.ForeignKeyConstraint(
            ["brand", "campaign_id", "period_start"],
            [
                "privacy_budgets.brand",
                "privacy_budgets.campaign_id",
                "privacy_budgets.period_start",
            ],
            name=op.f("fk_privacy_spends_brand_privacy_budgets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_spends")),
        sa.UniqueConstraint("release_id", name=op.f("uq_privacy_spends_release_id")),
    )
    op.create_index(
        "ix_privacy_spends_budget",
        "privacy_spends",
        ["brand", "campaign_id", "period_start"],
    )
    op.create_table(
        "frozen_releases",
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("release_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=False),
        sa.Column("released_at", _T(), nullable=False),
        sa.PrimaryKeyConstraint(
            "brand", "campaign_id", "template", "period_start", name=op.f("pk_frozen_releases")
        ),
        sa.UniqueConstraint("release_id", name=op.f("uq_frozen_releases_release_id")),
    )


def downgrade() -> None:
    op.drop_table("frozen_releases")
    op.drop_index("ix_privacy_spends_budget", table_name="privacy_spends")
    op.drop_table("privacy_spends")
    op.drop_table("privacy_budgets")

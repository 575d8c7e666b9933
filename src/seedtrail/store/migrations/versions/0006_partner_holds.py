"""backhaul health: operator holds on a partner's figures

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seedtrail.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_T = seedtrail.store.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "partner_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("held_by", sa.String(length=200), nullable=False),
        sa.Column("held_at", _T(), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("released_at", _T(), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_holds_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_holds")),
    )
    op.create_index(
        op.f("ix_partner_holds_partner_id"), "partner_holds", ["partner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_holds_partner_id"), table_name="partner_holds")
    op.drop_table("partner_holds")

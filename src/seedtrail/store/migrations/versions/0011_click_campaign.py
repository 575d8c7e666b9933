"""campaign on taps: the click log keeps the boost a tap came through

The community's app passes the campaign of a boosted note with the tap (``/r/{code}?c=ID``); the
redirect keeps it when it is one of the link's note's campaigns (else it is dropped and the click
kept), so campaign reports can credit clicks.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clicks", sa.Column("campaign_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clicks") as batch:
        batch.drop_column("campaign_id")

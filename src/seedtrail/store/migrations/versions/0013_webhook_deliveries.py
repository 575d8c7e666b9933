"""webhook deliveries: the Standard Webhooks ``webhook-id`` as the idempotency key of a postback

A shop signing with Standard Webhooks names each delivery with ``webhook-id``; a delivery seen
again (a retry, even one whose body carries new event ids) is acknowledged and stores nothing.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("webhook_id", sa.String(256), primary_key=True),
        sa.Column("received_us", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")

"""collabs are two-sided (the creator accepts); partners are https-only unless allowed http

A collab registration counts (for mounts, campaign membership and note reports) only once the
creator accepts it: ``accepted_at`` and ``accepted_by`` record who and when, and new
registrations start ``pending``. Registrations made before this revision were never accepted by
their creator, so they become ``pending`` too (the creator accepts them with
``POST /collabs/{id}/accept``); on downgrade every accepted or pending registration is ``active``
again, as before. ``partners.allow_http`` (default false) lets an operator allow plain http
destinations for one partner.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seedtrail.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collab_registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accepted_at", seedtrail.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("accepted_by", sa.String(length=100), nullable=True))
    op.execute("UPDATE collab_registrations SET status = 'pending' WHERE status = 'active'")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_http", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("allow_http")
    op.execute("UPDATE collab_registrations SET status = 'active' WHERE status = 'pending'")
    with op.batch_alter_table("collab_registrations", schema=None) as batch_op:
        batch_op.drop_column("accepted_by")
        batch_op.drop_column("accepted_at")

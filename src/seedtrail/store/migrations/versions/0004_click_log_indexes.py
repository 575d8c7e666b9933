"""click log indexes: drop the unused (viewer, mount) index; partner clicks by time

Each secondary index on random keys costs the click log a page write per click. Duplicate
clicks are found in memory, so (viewer_key, mount_id) served no query; backhaul health reads a
partner's clicks by time, which (partner_id, ts_us) serves and which grows at its end.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_clicks_viewer_mount", table_name="clicks")
    op.drop_index("ix_clicks_partner_id", table_name="clicks")
    op.create_index("ix_clicks_partner_ts", "clicks", ["partner_id", "ts_us"])


def downgrade() -> None:
    op.drop_index("ix_clicks_partner_ts", table_name="clicks")
    op.create_index("ix_clicks_partner_id", "clicks", ["partner_id"])
    op.create_index("ix_clicks_viewer_mount", "clicks", ["viewer_key", "mount_id"])

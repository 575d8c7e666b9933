"""advertising disclosure on notes: ``notes.ad_label`` (广告 ``ad`` / 赞助 ``sponsored``)

A link under a paid collab on a creator's note needs a visible ad label (Internet Advertising
Measures, 2023); the policy refuses the mount without one. Existing notes under an accepted
collab registration are labelled ``sponsored`` (what accepting one now does).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("ad_label")

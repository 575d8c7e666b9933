"""boosted notes carry the ad label: notes in an active campaign without a label get 广告 (``ad``)

A boost is paid distribution, an ad under the Internet Advertising Measures (2023); the link policy
now refuses links on a boosted note without a label, and adding a note to a campaign labels it.
Notes boosted before this change are labelled here, so their links stay open.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE notes SET ad_label = 'ad' WHERE ad_label IS NULL AND id IN "
        "(SELECT cn.note_id FROM campaign_notes cn JOIN campaigns c ON c.id = cn.campaign_id "
        "WHERE c.status = 'active')"
    )


def downgrade() -> None:
    """Labels stay: a label cannot be told apart from one a person set."""

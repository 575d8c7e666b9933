"""case queue indexes: the staff queue's order (severity, reach, id) behind each of its filters

The queue lists cases by severity and reach (highest first), then id; staff see cases outside any
campaign (``parent_id IS NULL``). The old index (status, severity, reach) left any other query,
such as the unfiltered queue, to sort every case: 0.9 s with a million open cases. Partial
indexes (``WHERE parent_id IS NULL``, since PostgreSQL does not treat an ``IS NULL`` column as
constant for ordering) that end in the queue's order let a page be read in order: alone, and
behind status, detector and subject type. The index on ``parent_id`` gains the same order (a
campaign's members in queue order; SQLite, without statistics, reads the staff queue from it).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_RANK: list[str | sa.TextClause] = [sa.text("severity DESC"), sa.text("reach DESC"), "id"]
_INDEXES: dict[str, list[str | sa.TextClause]] = {
    "ix_cases_rank": [],
    "ix_cases_queue": ["status"],
    "ix_cases_detector_rank": ["detector"],
    "ix_cases_subject_rank": ["subject_type"],
}
_STAFF = sa.text("parent_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_cases_queue", table_name="cases")
    op.drop_index(op.f("ix_cases_parent_id"), table_name="cases")
    op.create_index("ix_cases_members", "cases", ["parent_id", *_RANK])
    for name, lead in _INDEXES.items():
        op.create_index(
            name, "cases", [*lead, *_RANK], sqlite_where=_STAFF, postgresql_where=_STAFF
        )


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_index("ix_cases_members", table_name="cases")
    op.create_index(op.f("ix_cases_parent_id"), "cases", ["parent_id"])
    op.create_index("ix_cases_queue", "cases", ["status", "severity", "reach"])

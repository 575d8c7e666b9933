"""moderation at scale: one case per campaign (``parent_id``, subject ``campaign``), case
summaries as a code and parameters, profile bios

A water-army campaign becomes one case whose members' cases point to it; a case's summary is also
kept as a code and parameters (rendered in the reader's language); profile bios are kept so they
can be scanned for diversion.

SQLite cannot alter a CHECK constraint, and rebuilding ``cases`` (a parent of actions and
appeals) inside the migration's transaction would break their foreign keys; widening the
subject check to admit ``campaign`` changes no stored row, so on SQLite the table's SQL is edited
in place (SQLite's documented procedure for such changes: ``writable_schema``, then a new
``schema_version``).

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHECK = "ck_cases_subject_type_valid"
_OLD = "subject_type IN ('account', 'note', 'comment')"
_NEW = "subject_type IN ('account', 'note', 'comment', 'campaign')"


def _subject_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(_CHECK), "cases", type_="check")
        op.create_check_constraint(op.f(_CHECK), "cases", new)
        return
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'cases'",
        (old, new),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.add_column("accounts", sa.Column("bio", sa.Text(), nullable=True))
    op.add_column("cases", sa.Column("summary_code", sa.String(length=48), nullable=True))
    op.add_column("cases", sa.Column("summary_params", sa.JSON(), nullable=True))
    op.add_column("cases", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_cases_parent_id"), "cases", ["parent_id"], unique=False)
    _subject_check(_OLD, _NEW)


def downgrade() -> None:
    query = "SELECT count(*) FROM cases WHERE subject_type = 'campaign'"
    if op.get_bind().execute(sa.text(query)).scalar():
        raise RuntimeError("campaign cases exist: 0005 cannot hold them (nothing was changed)")
    _subject_check(_NEW, _OLD)
    op.drop_index(op.f("ix_cases_parent_id"), table_name="cases")
    op.drop_column("cases", "parent_id")
    op.drop_column("cases", "summary_params")
    op.drop_column("cases", "summary_code")
    op.drop_column("accounts", "bio")

"""boosted notes carry the ad label; the platform's own shop and buyers

* Notes in an active campaign without a label get 广告 (``ad``): a boost is paid distribution,
  an ad under the Internet Advertising Measures (2023). The link policy now refuses links on a
  boosted note without a label, and adding a note to a campaign labels it; notes boosted before
  are labelled here so their links stay open.
* Partner kind ``own_shop`` (the community's own shop, 号店一体) and account kind ``buyer``
  (买手, who sell others' products through links) with ``accounts.commission_rate``.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KINDS = {  # table: (check name, old values, new values)
    "accounts": (
        "ck_accounts_kind_valid",
        "kind IN ('creator', 'brand', 'enterprise')",
        "kind IN ('creator', 'brand', 'enterprise', 'buyer')",
    ),
    "partners": (
        "ck_partners_kind_valid",
        "kind IN ('marketplace', 'mini_program', 'web_shop')",
        "kind IN ('marketplace', 'mini_program', 'web_shop', 'own_shop')",
    ),
}
_RATE = "commission_rate IS NULL OR (commission_rate >= 0 AND commission_rate < 1)"


_RATE_NAME = "ck_accounts_commission_rate_range"
_FOLLOWERS = "CONSTRAINT ck_accounts_followers_nonnegative CHECK (follower_count >= 0)"


def _check(table: str, name: str, old: str, new: str) -> None:
    """Widen (or narrow back) a kind check; on SQLite the table's SQL is edited in place, as
    0009 does for placements (no stored row changes when widening)."""
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, new)
        return
    _edit_sqlite(table, old, new)


def _edit_sqlite(table: str, old: str, new: str) -> None:
    bind = op.get_bind()
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        (old, new, table),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.execute(
        "UPDATE notes SET ad_label = 'ad' WHERE ad_label IS NULL AND id IN "
        "(SELECT cn.note_id FROM campaign_notes cn JOIN campaigns c ON c.id = cn.campaign_id "
        "WHERE c.status = 'active')"
    )
    for table, (name, old, new) in _KINDS.items():
        _check(table, name, old, new)
    op.add_column("accounts", sa.Column("commission_rate", sa.Float(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # no table rebuild: other tables point at it
        _edit_sqlite(
            "accounts", _FOLLOWERS, f"{_FOLLOWERS}, CONSTRAINT {_RATE_NAME} CHECK ({_RATE})"
        )
    else:
        op.create_check_constraint(op.f(_RATE_NAME), "accounts", _RATE)


def downgrade() -> None:
    """Ad labels stay (a label cannot be told apart from one a person set)."""
    bind = op.get_bind()
    for table, kind in (("accounts", "buyer"), ("partners", "own_shop")):
        query = sa.text(f"SELECT count(*) FROM {table} WHERE kind = :k")  # noqa: S608
        if bind.execute(query, {"k": kind}).scalar():
            raise RuntimeError(f"{kind} {table} exist: 0011 cannot hold them")
    if bind.dialect.name == "sqlite":
        _edit_sqlite("accounts", f", CONSTRAINT {_RATE_NAME} CHECK ({_RATE})", "")
    else:
        op.drop_constraint(op.f(_RATE_NAME), "accounts", type_="check")
    op.drop_column("accounts", "commission_rate")
    for table, (name, old, new) in _KINDS.items():
        _check(table, name, new, old)

"""enforcement: cases, actions and appeals replace the enforcements table

Revision ID: 0003
Revises: 0002

Every row of the old ``enforcements`` table becomes a case (detector ``manual``) with one action,
so nothing already enforced is lost: ``revoke_links`` becomes ``revoke_link_privileges``; the old
account-level ``throttle`` and ``remove`` (whose only effect was closing the account's links)
become ``revoke_link_privileges`` too, saying so in the reason; an active ``ban`` now also sets the
account's status to ``banned`` (its prior status is kept for reversal). Lifted enforcements become
reversed actions. Downgrading copies account actions back into ``enforcements``; note and comment
actions have no place there and are dropped.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import seedtrail.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_T = seedtrail.store.types.UTCDateTime
_old = sa.table(
    "enforcements",
    sa.column("id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("reason", sa.Text),
    sa.column("active", sa.Boolean),
    sa.column("created_by", sa.String),
    sa.column("lifted_by", sa.String),
    sa.column("lifted_at", _T()),
    sa.column("created_at", _T()),
    sa.column("updated_at", _T()),
)
_accounts = sa.table(
    "accounts",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("follower_count", sa.BigInteger),
)
_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.BigInteger),
    sa.column("owner_account_id", sa.Integer),
    sa.column("detector", sa.String),
    sa.column("severity", sa.Integer),
    sa.column("reach", sa.BigInteger),
    sa.column("summary", sa.Text),
    sa.column("evidence", sa.JSON),
    sa.column("evidence_hash", sa.String),
    sa.column("status", sa.String),
    sa.column("opened_by", sa.String),
    sa.column("created_at", _T()),
    sa.column("updated_at", _T()),
)
_actions = sa.table(
    "enforcement_actions",
    sa.column("case_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.BigInteger),
    sa.column("account_id", sa.Integer),
    sa.column("prior_state", sa.JSON),
    sa.column("applied_state", sa.JSON),
    sa.column("reason", sa.Text),
    sa.column("actor", sa.String),
    sa.column("created_at", _T()),
    sa.column("reversed_at", _T()),
    sa.column("reversed_by", sa.String),
    sa.column("reversal_reason", sa.Text),
)
_NEW_NAME = {
    "label": "label",
    "ban": "ban",
    "revoke_links": "revoke_link_privileges",
    "throttle": "revoke_link_privileges",
    "remove": "revoke_link_privileges",
}


def _carry_over() -> None:
    conn = op.get_bind()
    for old in conn.execute(sa.select(_old).order_by(_old.c.id)).mappings().all():
        account = (
            conn.execute(sa.select(_accounts).where(_accounts.c.id == old["account_id"]))
            .mappings()
            .one()
        )
        action = _NEW_NAME[old["action"]]
        reason = old["reason"]
        if action != old["action"]:
            reason += f" (migrated from account-level {old['action']})"
        case_id = conn.execute(
            sa.insert(_cases)
            .values(
                subject_type="account",
                subject_id=old["account_id"],
                owner_account_id=old["account_id"],
                detector="manual",
                severity=2,
                reach=account["follower_count"],
                summary=f"enforcement {old['id']} ({old['action']}): {old['reason']}",
                evidence={"migrated_from_enforcement": old["id"], "reason": old["reason"]},
                evidence_hash=hashlib.sha256(f"enforcement:{old['id']}".encode()).hexdigest(),
                status="actioned" if old["active"] else "dismissed",
                opened_by=old["created_by"],
                created_at=old["created_at"],
                updated_at=old["updated_at"],
            )
            .returning(_cases.c.id)
        ).scalar_one()
        prior = applied = None
        if action == "ban":
            prior, applied = {"status": account["status"]}, {"status": "banned"}
            if old["active"]:
                conn.execute(
                    sa.update(_accounts)
                    .where(_accounts.c.id == account["id"])
                    .values(status="banned")
                )
        conn.execute(
            sa.insert(_actions).values(
                case_id=case_id,
                action=action,
                subject_type="account",
                subject_id=old["account_id"],
                account_id=old["account_id"],
                prior_state=prior,
                applied_state=applied,
                reason=reason,
                actor=old["created_by"],
                created_at=old["created_at"],
                reversed_at=old["lifted_at"],
                reversed_by=old["lifted_by"],
                reversal_reason=None if old["active"] else "lifted before migration 0003",
            )
        )


def _carry_back() -> None:
    conn = op.get_bind()
    old_name = {"label": "label", "ban": "ban", "revoke_link_privileges": "revoke_links"}
    rows = conn.execute(
        sa.select(_actions).where(
            _actions.c.subject_type == "account", _actions.c.action.in_(old_name)
        )
    ).mappings()
    for a in rows.all():
        conn.execute(
            sa.insert(_old).values(
                account_id=a["subject_id"],
                action=old_name[a["action"]],
                reason=a["reason"],
                active=a["reversed_at"] is None,
                created_by=a["actor"],
                lifted_by=a["reversed_by"],
                lifted_at=a["reversed_at"],
                created_at=a["created_at"],
                updated_at=a["reversed_at"] or a["created_at"],
            )
        )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_account_id", sa.Integer(), nullable=True),
        sa.Column("detector", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("evidence_hash", sa.String(length=64), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'actioned', 'dismissed', 'appealed', 'overturned')",
            name=op.f("ck_cases_status_valid"),
        ),
        sa.CheckConstraint(
            "subject_type IN ('account', 'note', 'comment')",
            name=op.f("ck_cases_subject_type_valid"),
        ),
        sa.CheckConstraint("reach >= 0", name=op.f("ck_cases_reach_nonnegative")),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_cases_severity_range")),
        sa.ForeignKeyConstraint(
            ["owner_account_id"], ["accounts.id"], name=op.f("fk_cases_owner_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", "detector", "evidence_hash", name="uq_cases_identity"
        ),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_group_key"), ["group_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cases_owner_account_id"), ["owner_account_id"], unique=False
        )
        batch_op.create_index("ix_cases_queue", ["status", "severity", "reach"], unique=False)

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reviewer", sa.String(length=100), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'overturned')",
            name=op.f("ck_appeals_outcome_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_appeals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_appeals_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("case_id", name=op.f("uq_appeals_case_id")),
    )
    op.create_table(
        "enforcement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("prior_state", sa.JSON(), nullable=True),
        sa.Column("applied_state", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("created_at", seedtrail.store.types.UTCDateTime(), nullable=False),
        sa.Column("reversed_at", seedtrail.store.types.UTCDateTime(), nullable=True),
        sa.Column("reversed_by", sa.String(length=100), nullable=True),
        sa.Column("reversal_reason", sa.Text(), nullable=True),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "action IN ('label', 'hide', 'throttle', 'remove', 'ban', 'revoke_link_privileges')",
            name=op.f("ck_enforcement_actions_action_valid"),
        ),
        sa.CheckConstraint(
            "subject_type IN ('account', 'note', 'comment')",
            name=op.f("ck_enforcement_actions_subject_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_enforcement_actions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_enforcement_actions_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_enforcement_actions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_actions")),
    )
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_actions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_actions_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_enforcement_actions_subject", ["subject_type", "subject_id"], unique=False
        )

    _carry_over()
    with op.batch_alter_table("enforcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcements_account_id"))
    op.drop_table("enforcements")


def downgrade() -> None:
    op.create_table(
        "enforcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", _T(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.CheckConstraint(
            "action IN ('label', 'throttle', 'remove', 'ban', 'revoke_links')",
            name=op.f("ck_enforcements_action_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_enforcements_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcements")),
    )
    with op.batch_alter_table("enforcements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcements_account_id"), ["account_id"], unique=False
        )
    _carry_back()
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_actions_subject")
        batch_op.drop_index(batch_op.f("ix_enforcement_actions_case_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_actions_account_id"))

    op.drop_table("enforcement_actions")
    op.drop_table("appeals")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue")
        batch_op.drop_index(batch_op.f("ix_cases_owner_account_id"))
        batch_op.drop_index(batch_op.f("ix_cases_group_key"))

    op.drop_table("cases")

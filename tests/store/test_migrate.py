"""Migrations create exactly the schema the code defines, on SQLite and PostgreSQL, and go back
down and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import column, insert, inspect, select, table, update
from sqlalchemy.exc import IntegrityError

from seedtrail.core.errors import StoreError
from seedtrail.store import migrate
from seedtrail.store.schema import (
    accounts,
    cases,
    enforcement_actions,
    frozen_releases,
    metadata,
    privacy_budgets,
    privacy_spends,
)
from seedtrail.store.store import Store
from seedtrail.store.types import UTCDateTime


def test_upgrade_matches_metadata_and_round_trips(empty_store: Store) -> None:
    engine = empty_store.engine
    with pytest.raises(StoreError, match="seedtrail init"):
        empty_store.ensure_current()
    before, after = migrate.upgrade(engine)
    assert before is None and after == migrate.head_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    empty_store.ensure_current()
    assert migrate.upgrade(engine) == (after, after)  # idempotent
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "clicks" in inspect(engine).get_table_names()


def test_0003_carries_enforcements_over_and_back(empty_store: Store) -> None:
    """Every old enforcement becomes a case with one action (and comes back on downgrade)."""
    engine = empty_store.engine
    migrate.upgrade(engine, "0002")
    now = datetime(2025, 3, 1, tzinfo=UTC)
    old = table(
        "enforcements",
        *(column(c) for c in ("id", "account_id", "action", "reason", "active", "created_by")),
        column("lifted_by"),
        column("lifted_at", UTCDateTime()),
        column("created_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
    )
    with engine.begin() as conn:
        conn.execute(
            insert(accounts),
            [
                {
                    "id": n,
                    "handle": f"a{n}",
                    "display_name": "x",
                    "kind": "creator",
                    "follower_count": 10 * n,
                    "verified": False,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in (1, 2)
            ],
        )
        base = {"created_by": "moderator:m#1", "created_at": now, "updated_at": now}
        conn.execute(
            insert(old),
            [
                {
                    **base,
                    "id": 1,
                    "account_id": 1,
                    "action": "revoke_links",
                    "reason": "spam",
                    "active": True,
                    "lifted_by": None,
                    "lifted_at": None,
                },
                {
                    **base,
                    "id": 2,
                    "account_id": 2,
                    "action": "ban",
                    "reason": "scam",
                    "active": True,
                    "lifted_by": None,
                    "lifted_at": None,
                },
                {
                    **base,
                    "id": 3,
                    "account_id": 2,
                    "action": "throttle",
                    "reason": "ads",
                    "active": False,
                    "lifted_by": "operator:o#1",
                    "lifted_at": now,
                },
            ],
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        acts = conn.execute(select(enforcement_actions).order_by(enforcement_actions.c.id)).all()
        assert [(a.action, a.account_id, a.reversed_at is None) for a in acts] == [
            ("revoke_link_privileges", 1, True),
            ("ban", 2, True),
            ("revoke_link_privileges", 2, False),
        ]
        assert "migrated from account-level throttle" in acts[2].reason
        assert acts[1].prior_state == {"status": "active"}
        assert conn.execute(select(accounts.c.status).where(accounts.c.id == 2)).scalar() == (
            "banned"
        )
        statuses = conn.execute(select(cases.c.status).order_by(cases.c.id)).scalars().all()
        assert statuses == ["actioned", "actioned", "dismissed"]
    migrate.downgrade(engine, "0002")
    with engine.connect() as conn:
        back = conn.execute(select(old).order_by(old.c.id)).all()
    assert [(r.account_id, r.action, bool(r.active)) for r in back] == [
        (1, "revoke_links", True),
        (2, "ban", True),
        (2, "revoke_links", False),
    ]


def test_0005_adds_the_privacy_ledger_and_release_archive(empty_store: Store) -> None:
    """The ledger and the archive come with their constraints (hard cap, a spend needs its
    budget, one frozen release per request) and go away on downgrade."""
    engine = empty_store.engine
    ours = {"privacy_budgets", "privacy_spends", "frozen_releases"}
    migrate.upgrade(engine, "0004")
    assert not ours & set(inspect(engine).get_table_names())
    migrate.upgrade(engine, "0005")
    assert ours <= set(inspect(engine).get_table_names())
    now, week = datetime(2026, 11, 2, tzinfo=UTC), date(2026, 11, 2)
    budget = {"brand": "brand:1", "campaign_id": 7, "period_start": week}
    spend = {**budget, "template": "roas", "epsilon": 1.0, "actor": "brand:x#1", "spent_at": now}
    frozen = {
        **budget,
        "template": "funnel_by_note",
        "rule": {"mode": "k", "k": 50},
        "cells": [{"key": [], "people": 60.0, "sums": {"gmv": 1.5}}],
        "released_by": "brand:x#1",
        "released_at": now,
    }
    with engine.begin() as conn:
        conn.execute(insert(privacy_budgets).values(**budget, spent=1.0, updated_at=now))
        conn.execute(insert(privacy_spends).values(**spend, release_id="r1"))
        conn.execute(insert(frozen_releases).values(**frozen, release_id="f1"))
    with engine.connect() as conn:
        assert conn.execute(select(frozen_releases.c.cells)).scalar() == frozen["cells"]
    refused = [
        update(privacy_budgets).values(spent=10.5),  # above the hard cap
        insert(privacy_spends).values(**{**spend, "brand": "nobody"}, release_id="r2"),
        insert(privacy_spends).values(**{**spend, "epsilon": 1.5}, release_id="r3"),
        insert(frozen_releases).values(**frozen, release_id="f2"),  # the same request again
    ]
    for statement in refused:
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(statement)
    migrate.downgrade(engine, "0004")
    assert not ours & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)

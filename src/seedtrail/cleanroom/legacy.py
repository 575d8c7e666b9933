"""Carry a node's old file ledger into the store (``data_dir/privacy_budget.db``, written before
migration 0005 moved the ledger and the release archive into the main store).

Importing every node's file keeps the budget already spent spent and the k-releases already made
frozen, so upgrading opens neither a fresh budget nor a fresh answer to difference. A spend gets
a release id derived from its row, so importing a file twice changes nothing. Several nodes'
files may together have spent more than one budget (the bug the move fixes): the total is kept
at the hard cap, and every spend is still listed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, update

from seedtrail.cleanroom.budget import budget_row, ensure_budget_row
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg
from seedtrail.store.db import insert_ignoring_duplicates
from seedtrail.store.schema import (
    PRIVACY_HARD_CAP,
    frozen_releases,
    privacy_budgets,
    privacy_spends,
)
from seedtrail.store.types import utcnow

IMPORTED_BY = "imported from a file ledger"


def import_file_ledger(conn: Connection, path: Path) -> tuple[int, int]:
    """Import one old ledger file in the transaction of ``conn``; returns how many spends and
    frozen releases were new."""
    if not path.is_file():
        raise InvalidInput(Msg("problem.invalid-input.ledger_missing", {"path": str(path)}))
    try:
        with closing(sqlite3.connect(path)) as old:
            spends = _rows(
                old, "privacy_spend", "brand, campaign_id, period_start, epsilon, report, spent_at"
            )
            frozen = _rows(
                old,
                "frozen_release",
                "brand, campaign_id, template, period_start, body, released_at",
            )
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.ledger_file", {"path": str(path), "error": str(exc)})
        ) from None
    return sum(_spend(conn, r) for r in spends), sum(_release(conn, r) for r in frozen)


def _rows(old: sqlite3.Connection, table: str, columns: str) -> list[tuple[Any, ...]]:
    known = old.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    if known.fetchone() is None:
        return []
    return old.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()  # noqa: S608


def _release_id(row: tuple[Any, ...]) -> str:
    return hashlib.sha256(json.dumps(row, default=str).encode()).hexdigest()[:32]


def _spend(conn: Connection, row: tuple[Any, ...]) -> int:
    brand, campaign_id, period, epsilon, report, spent_at = row
    key = {"brand": brand, "campaign_id": campaign_id, "period_start": date.fromisoformat(period)}
    now = utcnow()
    ensure_budget_row(conn, brand, campaign_id, key["period_start"])
    added = conn.execute(
        insert_ignoring_duplicates(conn, privacy_spends).returning(privacy_spends.c.id),
        {
            **key,
            "release_id": _release_id(row),
            "template": report,
            "epsilon": float(epsilon),
            "actor": IMPORTED_BY,
            "spent_at": datetime.fromisoformat(spent_at),
        },
    ).first()
    if added is not None:
        total = privacy_budgets.c.spent + float(epsilon)
        conn.execute(
            update(privacy_budgets)
            .where(*budget_row(brand, campaign_id, key["period_start"]))
            .values(
                spent=case((total > PRIVACY_HARD_CAP, PRIVACY_HARD_CAP), else_=total),
                updated_at=now,
            )
        )
    return int(added is not None)


def _release(conn: Connection, row: tuple[Any, ...]) -> int:
    brand, campaign_id, template, period, body, released_at = row
    parsed = json.loads(body)
    added = conn.execute(
        insert_ignoring_duplicates(conn, frozen_releases).returning(frozen_releases.c.release_id),
        {
            "brand": brand,
            "campaign_id": campaign_id,
            "template": template,
            "period_start": date.fromisoformat(period),
            "release_id": _release_id(row),
            "rule": parsed["rule"],
            "cells": parsed["cells"],
            "released_by": IMPORTED_BY,
            "released_at": datetime.fromisoformat(released_at),
        },
    ).first()
    return int(added is not None)

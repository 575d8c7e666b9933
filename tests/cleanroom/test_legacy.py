"""Upgrading: the per-node ledger files of earlier versions are carried into the store, so the
budget already spent stays spent and released k-reports stay frozen."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cleanroom_helpers import PERIOD, funnel_rows

from seedtrail.cleanroom.archive import StoreReleaseArchive
from seedtrail.cleanroom.budget import HARD_CAP, StoreBudgetLedger
from seedtrail.cleanroom.legacy import import_file_ledger
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.cli.main import main
from seedtrail.core.errors import BudgetExhausted, InvalidInput
from seedtrail.store.store import Store

#: The file format of the old ``SqliteBudgetLedger`` and ``SqliteReleaseArchive``.
OLD_SCHEMA = """
CREATE TABLE privacy_spend (id INTEGER PRIMARY KEY, brand TEXT NOT NULL,
  campaign_id INTEGER NOT NULL, period_start TEXT NOT NULL,
  epsilon REAL NOT NULL CHECK (epsilon > 0), report TEXT NOT NULL, spent_at TEXT NOT NULL);
CREATE TABLE frozen_release (brand TEXT NOT NULL, campaign_id INTEGER NOT NULL,
  template TEXT NOT NULL, period_start TEXT NOT NULL, body TEXT NOT NULL,
  released_at TEXT NOT NULL, PRIMARY KEY (brand, campaign_id, template, period_start));
"""
BODY = {"rule": {"mode": "k", "k": 50}, "cells": [{"key": [], "people": 80.0, "sums": {}}]}


def old_file(path: Path, spends: int, *, frozen: bool = True, node: int = 1) -> Path:
    with closing(sqlite3.connect(path)) as con, con:
        con.executescript(OLD_SCHEMA)
        for i in range(spends):
            con.execute(
                "INSERT INTO privacy_spend (brand, campaign_id, period_start, epsilon, report,"
                " spent_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    "brand-x",
                    1,
                    PERIOD.isoformat(),
                    1.0,
                    "funnel_by_note",
                    f"2026-11-0{3 + i % 4}T10:{node:02d}:{i:02d}.123456+00:00",
                ),
            )
        if frozen:
            con.execute(
                "INSERT INTO frozen_release VALUES (?, ?, ?, ?, ?, ?)",
                (
                    "brand-x",
                    1,
                    "funnel_by_note",
                    PERIOD.isoformat(),
                    json.dumps(BODY),
                    "2026-11-03T09:00:00+00:00",
                ),
            )
    return path


def test_imported_budget_stays_spent_and_release_stays_frozen(store: Store, tmp_path: Path) -> None:
    path = old_file(tmp_path / "privacy_budget.db", 3)
    with store.transaction() as conn:
        assert import_file_ledger(conn, path) == (3, 1)
    with store.transaction() as conn:
        assert import_file_ledger(conn, path) == (0, 0)  # importing twice changes nothing
    request = ReportRequest("funnel_by_note", "brand-x", 1, PERIOD)
    with store.transaction() as conn:
        ledger = StoreBudgetLedger(conn, "t")
        assert ledger.spent("brand-x", 1, PERIOD) == 3.0
        ledger.charge(ReportRequest("funnel_by_note", "brand-x", 1, PERIOD, dp=True), 1.0, "n1")
        with pytest.raises(BudgetExhausted):
            ledger.charge(ReportRequest("roas", "brand-x", 1, PERIOD, dp=True), 0.5, "n2")
        late = funnel_rows({("c1", "n1"): 81})
        frozen = run_report(
            late, request, ReleasePolicy(k=50), archive=StoreReleaseArchive(conn, "t")
        )
    assert frozen.cells[0].people == 80.0 and frozen.rule == BODY["rule"]


def test_files_of_several_nodes_add_up_to_at_most_the_hard_cap(
    store: Store, tmp_path: Path
) -> None:
    """Two nodes each spent 6 (the bug): the store keeps both spends listed, the total capped."""
    nodes = [old_file(tmp_path / f"node{n}.db", 6, frozen=n == 1, node=n) for n in (1, 2)]
    with store.transaction() as conn:
        assert [import_file_ledger(conn, p) for p in nodes] == [(6, 1), (6, 0)]
        assert StoreBudgetLedger(conn, "t").spent("brand-x", 1, PERIOD) == HARD_CAP


def test_a_file_that_is_not_a_ledger_is_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_text("not sqlite")
    with store.transaction() as conn, pytest.raises(InvalidInput):
        import_file_ledger(conn, tmp_path / "junk.db")
    with store.transaction() as conn, pytest.raises(InvalidInput):
        import_file_ledger(conn, tmp_path / "missing.db")


def test_the_cli_imports_each_node_file_and_audits_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    nodes = [old_file(tmp_path / f"node{n}.db", 2, node=n) for n in (1, 2)]

    def cli(*args: str) -> tuple[int, str]:
        try:
            main(["--data-dir", str(data), *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, " ".join(capsys.readouterr().out.split())  # rich wraps lines

    assert cli("init")[0] == 0
    code, out = cli("cleanroom", "import-ledger", *map(str, nodes))
    assert code == 0 and "2 spends and 1 frozen releases" in out
    budget = ["cleanroom", "budget", "--brand", "brand-x", "--campaign", "1"]
    assert "spent 4 of 4" in cli(*budget, "--period", PERIOD.isoformat())[1]
    code, out = cli("audit", "--action", "cleanroom.import_ledger", "--json")
    assert code == 0 and len(json.loads(out)) == 2

"""Frozen releases: once a k-report for a campaign, template and period is released, asking
again returns the same cells, so late-arriving rows cannot be isolated by subtracting the old
answer from a new one.

``ReleaseArchive`` is the interface; ``SqliteReleaseArchive`` keeps releases in the same SQLite
file as the budget ledger for now.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from seedtrail.cleanroom.release import Release, ReleasedCell
from seedtrail.cleanroom.templates import ReportRequest


class ReleaseArchive(Protocol):
    def get(self, request: ReportRequest) -> Release | None: ...

    def put(self, release: Release) -> Release:
        """Store ``release`` unless one is stored already; returns the stored one."""
        ...


class SqliteReleaseArchive:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS frozen_release ("
                " brand TEXT NOT NULL, campaign_id INTEGER NOT NULL, template TEXT NOT NULL,"
                " period_start TEXT NOT NULL, body TEXT NOT NULL, released_at TEXT NOT NULL,"
                " PRIMARY KEY (brand, campaign_id, template, period_start))"
            )

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    @staticmethod
    def _key(request: ReportRequest) -> tuple[str, int, str, str]:
        return (
            request.brand,
            request.campaign_id,
            request.template,
            request.period_start.isoformat(),
        )

    def get(self, request: ReportRequest) -> Release | None:
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT body FROM frozen_release"
                " WHERE brand = ? AND campaign_id = ? AND template = ? AND period_start = ?",
                self._key(request),
            ).fetchone()
        if row is None:
            return None
        body = json.loads(row[0])
        cells = tuple(
            ReleasedCell(tuple(c["key"]), float(c["people"]), dict(c["sums"]))
            for c in body["cells"]
        )
        return Release(request.check(), request, cells, dict(body["rule"]))

    def put(self, release: Release) -> Release:
        body = json.dumps(
            {
                "rule": release.rule,
                "cells": [
                    {"key": list(c.key), "people": c.people, "sums": c.sums} for c in release.cells
                ],
            },
            ensure_ascii=False,
        )
        with closing(self._connect()) as con:
            con.execute(
                "INSERT OR IGNORE INTO frozen_release VALUES (?, ?, ?, ?, ?, ?)",
                (*self._key(release.request), body, datetime.now(UTC).isoformat()),
            )
        stored = self.get(release.request)
        assert stored is not None
        return stored

"""A durable privacy-budget ledger: epsilon spent per brand, campaign and 7-day period.

``BudgetLedger`` is the interface the release path uses; ``SqliteBudgetLedger`` keeps it in a
SQLite file under ``settings.data_dir`` for now (the main store can host it later). A charge is
checked and recorded in one ``BEGIN IMMEDIATE`` transaction, so two processes cannot both spend
the last of a budget. A refused charge raises :class:`BudgetExhausted` and records nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from seedtrail.errors import BudgetExhausted, InvalidInput
from seedtrail.settings import Settings

HARD_CAP = 10.0  # no configuration may allow more epsilon per brand, campaign and period
_SLACK = 1e-9  # float dust from adding tenths


class BudgetLedger(Protocol):
    def spent(self, brand: str, campaign_id: int, period_start: date) -> float: ...

    def charge(
        self, brand: str, campaign_id: int, period_start: date, epsilon: float, report: str
    ) -> float:
        """Record ``epsilon``; returns what is left. Raises BudgetExhausted when it would not
        fit."""
        ...


class SqliteBudgetLedger:
    def __init__(self, path: Path, *, per_period: float = 4.0, per_report: float = 1.0) -> None:
        if not 0 < per_period <= HARD_CAP:
            raise InvalidInput(f"per-period epsilon {per_period} must be in (0, {HARD_CAP}]")
        if not 0 < per_report <= 1.0:
            raise InvalidInput(f"per-report epsilon {per_report} must be in (0, 1]")
        self.path = path
        self.per_period = per_period
        self.per_report = min(per_report, per_period)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS privacy_spend ("
                " id INTEGER PRIMARY KEY, brand TEXT NOT NULL, campaign_id INTEGER NOT NULL,"
                " period_start TEXT NOT NULL, epsilon REAL NOT NULL CHECK (epsilon > 0),"
                " report TEXT NOT NULL, spent_at TEXT NOT NULL)"
            )
            con.execute(
                "CREATE INDEX IF NOT EXISTS privacy_spend_key"
                " ON privacy_spend (brand, campaign_id, period_start)"
            )

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def spent(self, brand: str, campaign_id: int, period_start: date) -> float:
        with closing(self._connect()) as con:
            return self._sum(con, brand, campaign_id, period_start)

    @staticmethod
    def _sum(con: sqlite3.Connection, brand: str, campaign_id: int, period_start: date) -> float:
        row = con.execute(
            "SELECT coalesce(sum(epsilon), 0) FROM privacy_spend"
            " WHERE brand = ? AND campaign_id = ? AND period_start = ?",
            (brand, campaign_id, period_start.isoformat()),
        ).fetchone()
        return float(row[0])

    def charge(
        self, brand: str, campaign_id: int, period_start: date, epsilon: float, report: str
    ) -> float:
        if not 0 < epsilon <= self.per_report:
            raise InvalidInput(
                f"report {report}: epsilon {epsilon} must be in (0, {self.per_report}] per report"
            )
        limit = min(self.per_period, HARD_CAP)
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                spent = self._sum(con, brand, campaign_id, period_start)
                if spent + epsilon > limit + _SLACK:
                    raise BudgetExhausted(
                        f"privacy budget exhausted for brand {brand!r}, campaign {campaign_id}, "
                        f"period starting {period_start}: spent {spent:g} of {limit:g}, "
                        f"report {report} needs {epsilon:g}; the next period starts a new budget"
                    )
                con.execute(
                    "INSERT INTO privacy_spend"
                    " (brand, campaign_id, period_start, epsilon, report, spent_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        brand,
                        campaign_id,
                        period_start.isoformat(),
                        epsilon,
                        report,
                        datetime.now(UTC).isoformat(),
                    ),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return limit - spent - epsilon


def ledger_for(settings: Settings) -> SqliteBudgetLedger:
    """The privacy-budget ledger of this installation (``privacy_budget.db`` in the data dir)."""
    return SqliteBudgetLedger(
        settings.data_dir / "privacy_budget.db",
        per_period=settings.cleanroom_epsilon_per_period,
        per_report=settings.cleanroom_epsilon_per_report,
    )

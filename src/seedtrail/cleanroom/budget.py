"""The privacy-budget ledger: epsilon spent per brand, campaign and 7-day period, in the store.

``BudgetLedger`` is the interface the release path uses; ``StoreBudgetLedger`` keeps the ledger
in the main store (tables ``privacy_budgets`` and ``privacy_spends``), inside the caller's
transaction, so every API node and CLI run spends from the same budget. A charge locks the
budget's row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the store's writers hold
``BEGIN IMMEDIATE``), checks and records in that transaction: two concurrent charges that
together exceed the budget cannot both succeed. A refused charge raises
:class:`BudgetExhausted` and records nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlalchemy import ColumnElement, Connection, insert, select, update

from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.core.errors import BudgetExhausted, InvalidInput
from seedtrail.core.settings import Settings
from seedtrail.messages import Msg
from seedtrail.store.db import insert_ignoring_duplicates
from seedtrail.store.schema import PRIVACY_HARD_CAP as HARD_CAP
from seedtrail.store.schema import privacy_budgets, privacy_spends
from seedtrail.store.types import utcnow

__all__ = [
    "HARD_CAP",
    "BudgetLedger",
    "StoreBudgetLedger",
    "budget_row",
    "ensure_budget_row",
    "ledger_for",
]

_SLACK = 1e-9  # float dust from adding tenths


class BudgetLedger(Protocol):
    def spent(self, brand: str, campaign_id: int, period_start: date) -> float: ...

    def charge(self, request: ReportRequest, epsilon: float, release_id: str) -> float:
        """Record ``epsilon`` for the release ``release_id`` of ``request``; returns what is
        left. Raises BudgetExhausted when it would not fit."""
        ...


def budget_row(brand: str, campaign_id: int, period_start: date) -> list[ColumnElement[bool]]:
    """Where-clauses picking one budget's row."""
    c = privacy_budgets.c
    return [c.brand == brand, c.campaign_id == campaign_id, c.period_start == period_start]


def ensure_budget_row(conn: Connection, brand: str, campaign_id: int, period_start: date) -> None:
    """Create the budget's row (nothing spent) unless it exists."""
    conn.execute(
        insert_ignoring_duplicates(conn, privacy_budgets),
        {
            "brand": brand,
            "campaign_id": campaign_id,
            "period_start": period_start,
            "spent": 0.0,
            "updated_at": utcnow(),
        },
    )


class StoreBudgetLedger:
    """The ledger in the store, working in the transaction of ``conn``; ``actor`` is who asks."""

    def __init__(
        self,
        conn: Connection,
        actor: str,
        *,
        per_period: float = 4.0,
        per_report: float = 1.0,
    ) -> None:
        if not 0 < per_period <= HARD_CAP:
            raise InvalidInput(
                Msg("problem.invalid-input.period_epsilon", {"value": per_period, "max": HARD_CAP})
            )
        if not 0 < per_report <= 1.0:
            raise InvalidInput(Msg("problem.invalid-input.report_epsilon", {"value": per_report}))
        self.conn = conn
        self.actor = actor
        self.per_period = per_period
        self.per_report = min(per_report, per_period)

    def spent(self, brand: str, campaign_id: int, period_start: date) -> float:
        where = budget_row(brand, campaign_id, period_start)
        value = self.conn.execute(select(privacy_budgets.c.spent).where(*where)).scalar()
        return float(value or 0.0)

    def charge(self, request: ReportRequest, epsilon: float, release_id: str) -> float:
        report = request.template
        if not 0 < epsilon <= self.per_report:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.epsilon_range",
                    {"report": report, "value": epsilon, "max": self.per_report},
                )
            )
        key = {
            "brand": request.brand,
            "campaign_id": request.campaign_id,
            "period_start": request.period_start,
        }
        where = budget_row(request.brand, request.campaign_id, request.period_start)
        now = utcnow()
        # Make sure the budget's row exists, then lock it: concurrent charges queue here.
        ensure_budget_row(self.conn, request.brand, request.campaign_id, request.period_start)
        locked = select(privacy_budgets.c.spent).where(*where).with_for_update()
        spent = float(self.conn.execute(locked).scalar_one())
        if spent + epsilon > self.per_period + _SLACK:
            figures = {
                "brand": repr(request.brand),
                "campaign": request.campaign_id,
                "period": str(request.period_start),
                "spent": f"{spent:g}",
                "limit": f"{self.per_period:g}",
                "report": report,
                "needs": f"{epsilon:g}",
            }
            raise BudgetExhausted(Msg("problem.privacy-budget-exhausted.detail", figures))
        self.conn.execute(
            update(privacy_budgets)
            .where(*where)
            .values(spent=privacy_budgets.c.spent + epsilon, updated_at=now)
        )
        self.conn.execute(
            insert(privacy_spends),
            {
                **key,
                "release_id": release_id,
                "template": report,
                "epsilon": epsilon,
                "actor": self.actor,
                "spent_at": now,
            },
        )
        return self.per_period - spent - epsilon


def ledger_for(settings: Settings, conn: Connection, actor: str) -> StoreBudgetLedger:
    """This installation's ledger (the budget settings), in the transaction of ``conn``."""
    return StoreBudgetLedger(
        conn,
        actor,
        per_period=settings.cleanroom_epsilon_per_period,
        per_report=settings.cleanroom_epsilon_per_report,
    )

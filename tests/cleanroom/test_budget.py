from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedtrail.cleanroom.budget import HARD_CAP, SqliteBudgetLedger
from seedtrail.errors import BudgetExhausted, InvalidInput

WEEK = date(2026, 11, 2)


def test_default_budget_allows_four_reports_then_refuses(tmp_path: Path) -> None:
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    for _ in range(4):
        ledger.charge("brand", 7, WEEK, 1.0, "funnel_by_note")
    with pytest.raises(BudgetExhausted, match=r"brand 'brand', campaign 7.*spent 4 of 4"):
        ledger.charge("brand", 7, WEEK, 0.1, "funnel_by_note")
    assert ledger.spent("brand", 7, WEEK) == 4.0
    # Other campaigns, brands and periods have their own budgets.
    ledger.charge("brand", 8, WEEK, 1.0, "r")
    ledger.charge("other", 7, WEEK, 1.0, "r")
    ledger.charge("brand", 7, date(2026, 11, 9), 1.0, "r")


def test_budget_is_durable_across_ledger_instances(tmp_path: Path) -> None:
    SqliteBudgetLedger(tmp_path / "b.db").charge("b", 1, WEEK, 1.0, "r")
    assert SqliteBudgetLedger(tmp_path / "b.db").spent("b", 1, WEEK) == 1.0


def test_limits_are_enforced(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        SqliteBudgetLedger(tmp_path / "b.db", per_period=HARD_CAP + 1)
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    with pytest.raises(InvalidInput, match="per report"):
        ledger.charge("b", 1, WEEK, 1.5, "r")
    with pytest.raises(InvalidInput):
        ledger.charge("b", 1, WEEK, 0.0, "r")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    per_period=st.floats(min_value=0.5, max_value=HARD_CAP),
    charges=st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=1, max_size=40),
)
def test_spent_budget_never_exceeds_the_cap(
    tmp_path_factory: pytest.TempPathFactory, per_period: float, charges: list[float]
) -> None:
    ledger = SqliteBudgetLedger(tmp_path_factory.mktemp("l") / "b.db", per_period=per_period)
    for wanted in charges:
        eps = min(wanted, ledger.per_report)
        before = ledger.spent("b", 1, WEEK)
        try:
            ledger.charge("b", 1, WEEK, eps, "r")
        except BudgetExhausted:
            assert ledger.spent("b", 1, WEEK) == before  # a refusal spends nothing
        assert ledger.spent("b", 1, WEEK) <= min(per_period, HARD_CAP) + 1e-9

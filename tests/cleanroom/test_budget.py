"""The privacy-budget ledger in the store: limits, refusals that spend nothing, the cap under
concurrent charges from several connections (as from several API nodes), on every backend."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from seedtrail.cleanroom.budget import HARD_CAP, StoreBudgetLedger, ledger_for
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.core.errors import BudgetExhausted, InvalidInput
from seedtrail.core.settings import Settings
from seedtrail.store.schema import privacy_budgets, privacy_spends
from seedtrail.store.store import Store

WEEK = date(2026, 11, 2)


def _request(brand: str = "brand", campaign: int = 7, period: date = WEEK) -> ReportRequest:
    return ReportRequest("funnel_by_note", brand, campaign, period, dp=True)


def charge(store: Store, epsilon: float, per_period: float = 4.0, **request: object) -> float:
    """One charge in its own transaction, as one API request makes it."""
    with store.transaction() as conn:
        ledger = StoreBudgetLedger(conn, "brand:1", per_period=per_period)
        return ledger.charge(_request(**request), epsilon, uuid.uuid4().hex)  # type: ignore[arg-type]


def spent(store: Store, brand: str = "brand", campaign: int = 7, period: date = WEEK) -> float:
    with store.read() as conn:
        return StoreBudgetLedger(conn, "reader").spent(brand, campaign, period)


def test_default_budget_allows_four_reports_then_refuses(store: Store) -> None:
    for left in (3.0, 2.0, 1.0, 0.0):
        assert charge(store, 1.0) == pytest.approx(left)
    with pytest.raises(BudgetExhausted, match=r"brand 'brand', campaign 7.*spent 4 of 4"):
        charge(store, 0.1)
    assert spent(store) == 4.0
    # Other campaigns, brands and periods have their own budgets.
    charge(store, 1.0, campaign=8)
    charge(store, 1.0, brand="other")
    charge(store, 1.0, period=date(2026, 11, 9))
    assert spent(store, campaign=8) == spent(store, brand="other") == 1.0


def test_each_spend_is_recorded_with_release_who_and_when(store: Store) -> None:
    with store.transaction() as conn:
        StoreBudgetLedger(conn, "partner:shop#3").charge(_request(), 0.5, "r" * 32)
    with store.read() as conn:
        row = conn.execute(select(privacy_spends)).mappings().one()
    assert row["release_id"] == "r" * 32 and row["template"] == "funnel_by_note"
    assert (row["brand"], row["campaign_id"], row["period_start"]) == ("brand", 7, WEEK)
    assert row["epsilon"] == 0.5 and row["actor"] == "partner:shop#3"
    assert row["spent_at"].tzinfo is not None


def test_a_refusal_spends_and_records_nothing(store: Store) -> None:
    charge(store, 1.0, per_period=1.0)
    with pytest.raises(BudgetExhausted):
        charge(store, 0.5, per_period=1.0)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(privacy_spends)).scalar() == 1
    assert spent(store) == 1.0


def test_limits_are_enforced(store: Store) -> None:
    with store.transaction() as conn:
        with pytest.raises(InvalidInput):
            StoreBudgetLedger(conn, "x", per_period=HARD_CAP + 1)
        ledger = StoreBudgetLedger(conn, "x")
        with pytest.raises(InvalidInput, match="per report"):
            ledger.charge(_request(), 1.5, "a")
        with pytest.raises(InvalidInput):
            ledger.charge(_request(), 0.0, "b")


def test_the_store_refuses_a_total_above_the_hard_cap(store: Store) -> None:
    """A second line behind the ledger's check: the table itself will not hold more."""
    charge(store, 1.0)
    with pytest.raises(IntegrityError), store.transaction() as conn:
        conn.execute(update(privacy_budgets).values(spent=HARD_CAP + 0.5))
    assert spent(store) == 1.0


@pytest.mark.parametrize(("per_period", "epsilon"), [(4.0, 1.0), (HARD_CAP, 0.75)])
def test_concurrent_charges_never_exceed_the_budget(
    store: Store, per_period: float, epsilon: float
) -> None:
    """Eight connections (as eight API nodes) charge the same budget at once, three times each:
    exactly as many charges succeed as fit, and the total never passes the budget."""
    threads, attempts = 8, 3
    start = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def node() -> None:
        start.wait(10)
        for _ in range(attempts):
            try:
                charge(store, epsilon, per_period=per_period)
                result = "ok"
            except BudgetExhausted:
                result = "refused"
            except Exception as exc:  # anything else is a failure of the test
                result = repr(exc)
            with lock:
                outcomes.append(result)

    workers = [threading.Thread(target=node) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    fit = int(per_period / epsilon + 1e-9)
    assert sorted(set(outcomes)) == ["ok", "refused"], outcomes
    assert outcomes.count("ok") == fit
    assert spent(store) == pytest.approx(fit * epsilon) and spent(store) <= per_period
    with store.read() as conn:
        total = conn.execute(select(func.sum(privacy_spends.c.epsilon))).scalar()
        assert total == pytest.approx(fit * epsilon)  # the ledger rows add up to the total


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    per_period=st.floats(min_value=0.5, max_value=HARD_CAP),
    charges=st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=1, max_size=40),
)
def test_spent_budget_never_exceeds_the_cap(
    store: Store, per_period: float, charges: list[float]
) -> None:
    brand = uuid.uuid4().hex  # a fresh budget per example (the store lives for the test)
    for wanted in charges:
        eps = min(wanted, per_period)  # the per-report cap is never above the period's
        before = spent(store, brand)
        try:
            charge(store, eps, per_period=per_period, brand=brand)
        except BudgetExhausted:
            assert spent(store, brand) == before  # a refusal spends nothing
        assert spent(store, brand) <= min(per_period, HARD_CAP) + 1e-9


@pytest.mark.parametrize(
    ("per_period", "per_report", "refused"),
    [
        (0.0, 1.0, r"per-period epsilon 0\.0 must be in \(0, 10"),
        (HARD_CAP + 0.1, 1.0, r"per-period epsilon .* must be in \(0, 10"),
        (4.0, 0.0, r"per-report epsilon 0\.0 must be in \(0, 1\]"),
        (4.0, 1.5, r"per-report epsilon 1\.5 must be in \(0, 1\]"),
    ],
)
def test_a_ledger_with_limits_out_of_range_is_refused_with_the_range(
    store: Store, per_period: float, per_report: float, refused: str
) -> None:
    with store.transaction() as conn, pytest.raises(InvalidInput, match=refused):
        StoreBudgetLedger(conn, "x", per_period=per_period, per_report=per_report)


def test_the_edges_of_the_limits_are_allowed(store: Store) -> None:
    with store.transaction() as conn:
        ledger = StoreBudgetLedger(conn, "x", per_period=HARD_CAP, per_report=1.0)
        assert (ledger.per_period, ledger.per_report) == (HARD_CAP, 1.0)
        # a per-report limit above the period's is the period's
        assert StoreBudgetLedger(conn, "x", per_period=0.5).per_report == 0.5


def test_a_refusal_says_when_the_budget_renews(store: Store) -> None:
    charge(store, 1.0, per_period=1.0)
    with pytest.raises(BudgetExhausted, match=r"the next period starts a new budget$"):
        charge(store, 1.0, per_period=1.0)


def test_a_charge_moves_the_budgets_updated_at(store: Store) -> None:
    charge(store, 0.5)
    with store.read() as conn:
        first = conn.execute(select(privacy_budgets.c.updated_at)).scalar_one()
    charge(store, 0.5)
    with store.read() as conn:
        second = conn.execute(select(privacy_budgets.c.updated_at)).scalar_one()
    assert second > first


def test_the_installation_ledger_takes_its_limits_from_the_settings(store: Store) -> None:
    settings = Settings(cleanroom_epsilon_per_period=1.5, cleanroom_epsilon_per_report=0.5)
    with store.transaction() as conn:
        ledger = ledger_for(settings, conn, "brand:9")
        assert (ledger.per_period, ledger.per_report) == (1.5, 0.5)
        with pytest.raises(InvalidInput, match=r"must be in \(0, 0\.5\] per report"):
            ledger.charge(_request(), 0.75, "a")
        assert ledger.charge(_request(), 0.5, "b") == pytest.approx(1.0)
    with store.read() as conn:
        assert conn.execute(select(privacy_spends.c.actor)).scalar_one() == "brand:9"

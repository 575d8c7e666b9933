from __future__ import annotations

import pyarrow as pa
import pytest
from cleanroom_helpers import PERIOD, funnel_rows

from seedtrail.cleanroom.budget import StoreBudgetLedger
from seedtrail.cleanroom.release import Release
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.errors import BudgetExhausted, InvalidInput
from seedtrail.store.store import Store

POLICY = ReleasePolicy(k=50)


def dp_request(template: str = "funnel_by_note", epsilon: float | None = None) -> ReportRequest:
    return ReportRequest(template, "brand-x", 1, PERIOD, dp=True, epsilon=epsilon)


def dp_report(store: Store, rows: pa.Table, request: ReportRequest) -> Release:
    """One DP report against the store's ledger, in its own transaction."""
    with store.transaction() as conn:
        return run_report(rows, request, POLICY, ledger=StoreBudgetLedger(conn, "test"))


def spent(store: Store) -> float:
    with store.read() as conn:
        return StoreBudgetLedger(conn, "test").spent("brand-x", 1, PERIOD)


def test_dp_report_is_noisy_consistent_and_thresholded(store: Store) -> None:
    rows = funnel_rows({("c1", "n1"): 400, ("c1", "n2"): 300, ("c2", "n3"): 2})
    release = dp_report(store, rows, dp_request())
    assert release.rule["mode"] == "dp"
    assert release.rule["threshold"] > 10  # a DP threshold replaces k
    out = {(r["creator_id"], r["note_id"]): r for r in release.to_arrow().to_pylist()}
    assert ("c2", "n3") not in out  # 2 people cannot clear the DP threshold
    assert ("other", None) in out  # always present, noisy
    assert abs(out[("c1", "n1")]["people"] - 400) < 150
    # Roll-ups are sums of noisy leaves, so they add up.
    kids = [r["gmv"] for k, r in out.items() if k[0] == "c1" and k[1] is not None]
    assert out[("c1", None)]["gmv"] == pytest.approx(sum(kids))
    assert spent(store) == 1.0


def test_averaging_out_noise_with_repeated_queries_is_stopped_by_the_budget(
    store: Store,
) -> None:
    """Attack: ask the same DP report again and again and average the answers."""
    rows = funnel_rows({("c1", "n1"): 120, ("c1", "n2"): 200})
    answers = []
    with pytest.raises(BudgetExhausted, match="privacy budget exhausted"):
        for _ in range(100):
            answers.append(dp_report(store, rows, dp_request()).to_arrow())
    assert len(answers) == 4  # default 4 per period at 1 per report
    assert spent(store) == 4.0
    assert len({a.column("gmv").to_pylist()[0] for a in answers}) > 1  # fresh noise each time


def test_dp_epsilon_limits(store: Store) -> None:
    rows = funnel_rows({("c1", "n1"): 120})
    with pytest.raises(InvalidInput, match="epsilon"):
        dp_report(store, rows, dp_request(epsilon=2.0))
    with pytest.raises(InvalidInput, match="ledger"):
        run_report(rows, dp_request(), POLICY)
    assert spent(store) == 0.0


@pytest.mark.parametrize("template", ["funnel_by_campaign", "funnel_by_day", "lift", "roas"])
def test_every_template_runs_under_dp(store: Store, template: str) -> None:
    rows = funnel_rows({("c1", "n1"): 700, ("c1", "control"): 700})
    release = dp_report(store, rows, dp_request(template, epsilon=0.5))
    table = release.to_arrow({(): 1.0})
    assert table.num_rows >= 1
    assert table.column("level").to_pylist()[0] == "campaign"
    assert abs(table.column("people").to_pylist()[0] - 1400) < 400
    assert spent(store) == 0.5

from __future__ import annotations

from pathlib import Path

import pytest
from cleanroom_helpers import PERIOD, funnel_rows

from seedtrail.cleanroom.budget import SqliteBudgetLedger
from seedtrail.cleanroom.report import ReleasePolicy, run_report
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.errors import BudgetExhausted, InvalidInput

POLICY = ReleasePolicy(k=50)


def dp_request(template: str = "funnel_by_note", epsilon: float | None = None) -> ReportRequest:
    return ReportRequest(template, "brand-x", 1, PERIOD, dp=True, epsilon=epsilon)


def test_dp_report_is_noisy_consistent_and_thresholded(tmp_path: Path) -> None:
    rows = funnel_rows({("c1", "n1"): 400, ("c1", "n2"): 300, ("c2", "n3"): 2})
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    release = run_report(rows, dp_request(), POLICY, ledger=ledger)
    assert release.rule["mode"] == "dp"
    assert release.rule["threshold"] > 10  # a DP threshold replaces k
    out = {(r["creator_id"], r["note_id"]): r for r in release.to_arrow().to_pylist()}
    assert ("c2", "n3") not in out  # 2 people cannot clear the DP threshold
    assert ("other", None) in out  # always present, noisy
    assert abs(out[("c1", "n1")]["people"] - 400) < 150
    # Roll-ups are sums of noisy leaves, so they add up.
    kids = [r["gmv"] for k, r in out.items() if k[0] == "c1" and k[1] is not None]
    assert out[("c1", None)]["gmv"] == pytest.approx(sum(kids))
    assert ledger.spent("brand-x", 1, PERIOD) == 1.0


def test_averaging_out_noise_with_repeated_queries_is_stopped_by_the_budget(
    tmp_path: Path,
) -> None:
    """Attack: ask the same DP report again and again and average the answers."""
    rows = funnel_rows({("c1", "n1"): 120, ("c1", "n2"): 200})
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    answers = []
    with pytest.raises(BudgetExhausted, match="privacy budget exhausted"):
        for _ in range(100):
            release = run_report(rows, dp_request(), POLICY, ledger=ledger)
            answers.append(release.to_arrow())
    assert len(answers) == 4  # default 4 per period at 1 per report
    assert ledger.spent("brand-x", 1, PERIOD) == 4.0
    assert len({a.column("gmv").to_pylist()[0] for a in answers}) > 1  # fresh noise each time


def test_dp_epsilon_limits(tmp_path: Path) -> None:
    rows = funnel_rows({("c1", "n1"): 120})
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    with pytest.raises(InvalidInput, match="epsilon"):
        run_report(rows, dp_request(epsilon=2.0), POLICY, ledger=ledger)
    with pytest.raises(InvalidInput, match="ledger"):
        run_report(rows, dp_request(), POLICY)
    assert ledger.spent("brand-x", 1, PERIOD) == 0.0


@pytest.mark.parametrize("template", ["funnel_by_campaign", "funnel_by_day", "lift", "roas"])
def test_every_template_runs_under_dp(tmp_path: Path, template: str) -> None:
    rows = funnel_rows({("c1", "n1"): 700, ("c1", "control"): 700})
    ledger = SqliteBudgetLedger(tmp_path / "b.db")
    release = run_report(rows, dp_request(template, epsilon=0.5), POLICY, ledger=ledger)
    table = release.to_arrow({(): 1.0})
    assert table.num_rows >= 1
    assert table.column("level").to_pylist()[0] == "campaign"
    assert abs(table.column("people").to_pylist()[0] - 1400) < 400
    assert ledger.spent("brand-x", 1, PERIOD) == 0.5

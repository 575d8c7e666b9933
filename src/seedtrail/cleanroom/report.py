"""Run a pre-registered report: check the request, aggregate, apply k-rules or DP, charge budget.

This is the one door through which report cells leave the clean room: exports (and later the
API) take the :class:`~seedtrail.cleanroom.release.Release` it returns and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from seedtrail.cleanroom.archive import ReleaseArchive
from seedtrail.cleanroom.budget import BudgetLedger
from seedtrail.cleanroom.cells import finest_cells
from seedtrail.cleanroom.noise import release_dp
from seedtrail.cleanroom.release import Release, release_k
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.errors import InvalidInput
from seedtrail.settings import Settings


@dataclass(frozen=True)
class ReleasePolicy:
    """Platform-wide rules (from settings); a template may only be stricter."""

    k: int = 50
    epsilon_per_report: float = 1.0
    delta: float = 1e-7

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleasePolicy:
        return cls(
            k=settings.cleanroom_k,
            epsilon_per_report=settings.cleanroom_epsilon_per_report,
            delta=settings.cleanroom_dp_delta,
        )


def run_report(
    rows: pa.Table | duckdb.DuckDBPyRelation,
    request: ReportRequest,
    policy: ReleasePolicy,
    *,
    ledger: BudgetLedger | None = None,
    archive: ReleaseArchive | None = None,
) -> Release:
    """Release a report. k-mode releases are frozen in ``archive`` (when given) per brand,
    campaign, template and period; DP releases spend budget from ``ledger`` every time."""
    spec = request.check()
    if not request.dp:
        if request.epsilon is not None:
            raise InvalidInput(f"report {spec.name}: epsilon given but DP is off")
        if archive is not None and (frozen := archive.get(request)) is not None:
            return frozen
        finest = finest_cells(rows, spec, request)
        release = release_k(finest, spec, request, max(policy.k, spec.k or 0))
        return archive.put(release) if archive is not None else release
    if ledger is None:
        raise InvalidInput(f"report {spec.name}: DP needs a budget ledger")
    epsilon = request.epsilon if request.epsilon is not None else policy.epsilon_per_report
    if not 0 < epsilon <= policy.epsilon_per_report:
        raise InvalidInput(
            f"report {spec.name}: epsilon {epsilon} must be in (0, {policy.epsilon_per_report}]"
        )
    # Charge first: a refused charge releases nothing; a crash after charging wastes budget,
    # never the other way round.
    finest = finest_cells(rows, spec, request)
    ledger.charge(request.brand, request.campaign_id, request.period_start, epsilon, spec.name)
    return release_dp(finest, spec, request, epsilon=epsilon, delta=policy.delta)

"""Run a pre-registered report: check the request, aggregate, apply k-rules or DP, charge budget.

This is the one door through which report cells leave the clean room: exports and the API take
the :class:`~seedtrail.cleanroom.release.Release` it returns and nothing else.
:func:`release_audited` is that door on the store: ledger, archive and audit entry in the
caller's transaction, so a release is charged, frozen and audited together or not at all.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlalchemy import Connection

from seedtrail.cleanroom.archive import ReleaseArchive, StoreReleaseArchive
from seedtrail.cleanroom.budget import BudgetLedger, ledger_for
from seedtrail.cleanroom.cells import finest_cells
from seedtrail.cleanroom.noise import release_dp
from seedtrail.cleanroom.release import Release, release_k
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.core.errors import InvalidInput
from seedtrail.core.settings import Settings
from seedtrail.messages import Msg
from seedtrail.store import audit


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
            raise InvalidInput(Msg("problem.invalid-input.report_no_dp", {"report": spec.name}))
        if archive is not None and (frozen := archive.get(request)) is not None:
            return frozen
        finest = finest_cells(rows, spec, request)
        release = release_k(finest, spec, request, max(policy.k, spec.k or 0))
        return archive.put(release) if archive is not None else release
    if ledger is None:
        raise InvalidInput(Msg("problem.invalid-input.report_ledger", {"report": spec.name}))
    epsilon = request.epsilon if request.epsilon is not None else policy.epsilon_per_report
    if not 0 < epsilon <= policy.epsilon_per_report:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.epsilon_range",
                {"report": spec.name, "value": epsilon, "max": policy.epsilon_per_report},
            )
        )
    # Charge first: a refused charge releases nothing; a crash after charging wastes budget,
    # never the other way round.
    finest = finest_cells(rows, spec, request)
    release_id = uuid.uuid4().hex
    ledger.charge(request, epsilon, release_id)
    release = release_dp(finest, spec, request, epsilon=epsilon, delta=policy.delta)
    return dataclasses.replace(release, release_id=release_id)


def release_audited(
    conn: Connection,
    rows: pa.Table | duckdb.DuckDBPyRelation,
    request: ReportRequest,
    settings: Settings,
    *,
    actor: str,
) -> tuple[Release, int]:
    """Release a report with the store's ledger and archive and record it in the audit log,
    all in the transaction of ``conn``; returns the release and the audit entry's id. Commit
    before the cells go out: a failed commit then releases nothing."""
    release = run_report(
        rows,
        request,
        ReleasePolicy.from_settings(settings),
        ledger=ledger_for(settings, conn, actor) if request.dp else None,
        archive=StoreReleaseArchive(conn, actor),
    )
    entry = audit.record(
        conn,
        actor=actor,
        action="cleanroom.report",
        object_type="campaign",
        object_id=request.campaign_id,
        detail={
            "template": request.template,
            "brand": request.brand,
            "period_start": request.period_start,
            "dp": request.dp,
            "epsilon": release.rule.get("epsilon"),
            "release_id": release.release_id,
        },
    )
    return release, entry

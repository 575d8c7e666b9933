"""Frozen releases: once a k-report for a campaign, template and period is released, asking
again returns the same cells, so late-arriving rows cannot be isolated by subtracting the old
answer from a new one.

``ReleaseArchive`` is the interface; ``StoreReleaseArchive`` keeps releases in the main store
(table ``frozen_releases``), inside the caller's transaction, so every API node answers a repeat
with the same frozen cells.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection, select

from seedtrail.cleanroom.release import Release, ReleasedCell
from seedtrail.cleanroom.templates import ReportRequest
from seedtrail.store.db import insert_ignoring_duplicates
from seedtrail.store.schema import frozen_releases
from seedtrail.store.types import utcnow


class ReleaseArchive(Protocol):
    def get(self, request: ReportRequest) -> Release | None: ...

    def put(self, release: Release) -> Release:
        """Store ``release`` unless one is stored already; returns the stored one."""
        ...


def _key(request: ReportRequest) -> dict[str, object]:
    return {
        "brand": request.brand,
        "campaign_id": request.campaign_id,
        "template": request.template,
        "period_start": request.period_start,
    }


class StoreReleaseArchive:
    """The archive in the store, working in the transaction of ``conn``; ``actor`` is who asks."""

    def __init__(self, conn: Connection, actor: str) -> None:
        self.conn = conn
        self.actor = actor

    def get(self, request: ReportRequest) -> Release | None:
        where = [frozen_releases.c[name] == value for name, value in _key(request).items()]
        row = self.conn.execute(select(frozen_releases).where(*where)).mappings().first()
        if row is None:
            return None
        cells = tuple(
            ReleasedCell(tuple(c["key"]), float(c["people"]), dict(c["sums"])) for c in row["cells"]
        )
        return Release(request.check(), request, cells, dict(row["rule"]), row["release_id"])

    def put(self, release: Release) -> Release:
        # A concurrent first release of the same report wins or waits: the loser stores nothing
        # and answers with the winner's cells.
        self.conn.execute(
            insert_ignoring_duplicates(self.conn, frozen_releases),
            {
                **_key(release.request),
                "release_id": release.release_id,
                "rule": release.rule,
                "cells": [
                    {"key": list(c.key), "people": c.people, "sums": c.sums} for c in release.cells
                ],
                "released_by": self.actor,
                "released_at": utcnow(),
            },
        )
        stored = self.get(release.request)
        assert stored is not None
        return stored

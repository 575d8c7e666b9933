"""The click log: every click is committed (fsync'd) before its redirect is sent, through a
:class:`~seedtrail.store.groupcommit.GroupCommit` (one transaction per group of waiting clicks)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from seedtrail.store.groupcommit import CommitFailed, GroupCommit
from seedtrail.store.schema import clicks

COLUMNS = (
    "click_id",
    "ts_us",
    "mount_id",
    "code",
    "note_id",
    "comment_id",
    "profile_account_id",
    "placement",
    "partner_id",
    "offer_id",
    "viewer_key",
    "method",
    "ua_class",
    "referrer_host",
    "outcome",
    "is_bot",
    "is_duplicate",
    "campaign_id",
)
Click = tuple[Any, ...]


class ClickLogError(CommitFailed):
    """The click could not be made durable; the request must not be redirected."""


class ClickLog:
    def __init__(self, engine: Engine, max_batch: int = 2048) -> None:
        self.engine = engine
        self.max_batch = max_batch
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = (
            f"INSERT INTO {clicks.name} ({', '.join(COLUMNS)}) VALUES "  # noqa: S608 (constant names only)
            f"({', '.join([mark] * len(COLUMNS))})"
        )
        self._group: GroupCommit[Click, None] = GroupCommit(
            engine, self._apply, max_batch=max_batch, name="click log", error=ClickLogError
        )

    @property
    def batches(self) -> int:
        return self._group.batches

    @property
    def written(self) -> int:
        return self._group.written

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._group.start(loop)

    async def write(self, click: Click) -> None:
        """Return once ``click`` is committed; raise :class:`ClickLogError` if it cannot be."""
        await self._group.submit(click)

    def stop(self) -> None:
        self._group.stop()

    def _apply(self, cur: Any, batch: Sequence[Click]) -> list[None]:
        cur.executemany(self._sql, list(batch))
        return [None] * len(batch)

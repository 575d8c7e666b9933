"""The redirect's clicks become touches: every logged click goes into the inbox as a front-link
event of kind ``click`` (source ``redirect``), and the sealer moves it into the lake like any
other event.

A click keeps the redirect's verdict: ``bot`` (a crawler, previewer or HEAD request), ``repeat``
(the same viewer on the same link within the duplicate window) and ``outcome`` (``unavailable``
when the link was closed and the tap answered 410). Attribution leaves out every click that does
not count (:func:`seedtrail.links.clickstats.counted`) unless asked otherwise. A tap that came
through a boost keeps its campaign (``campaign_id``, ``boosted``) as the redirect checked it, so
campaign rows credit the click.

Staging is idempotent and crash-safe: the clicks after a watermark (``seedtrail_meta``
``clicks_staged``, the last staged click row id) are inserted and the watermark moved in one
transaction; a click id already in the inbox is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from seedtrail.store.schema import clicks, inbox, meta, partners
from seedtrail.store.store import Store

SOURCE = "redirect"
WATERMARK = "clicks_staged"


def _watermark(conn: Connection) -> int:
    value = conn.execute(select(meta.c.value).where(meta.c.key == WATERMARK)).scalar()
    return int(value or 0)


def _set_watermark(conn: Connection, value: int) -> None:
    done = conn.execute(update(meta).where(meta.c.key == WATERMARK).values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(meta).values(key=WATERMARK, value=value))


def touch_payload(row: Any, partner: str) -> bytes:
    """The click as a front-link event's payload (:data:`seedtrail.contracts.FRONT`)."""
    return orjson.dumps(
        {
            "user_key": row.viewer_key,
            "note_id": None if row.note_id is None else str(row.note_id),
            "click_id": row.click_id,
            "placement": row.placement,
            "campaign_id": row.campaign_id,
            "boosted": row.campaign_id is not None,
            "partner": partner,
            "mount_id": row.mount_id,
            "offer_id": row.offer_id,
            "bot": bool(row.is_bot),
            "repeat": bool(row.is_duplicate),
            "outcome": row.outcome,
        }
    )


def _insert_ignoring_repeats(conn: Connection, values: Sequence[dict[str, object]]) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(inbox).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(inbox).on_conflict_do_nothing()
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL only
        raise RuntimeError(f"unsupported database {dialect}")
    conn.execute(stmt, list(values))


def stage(store: Store, *, batch: int = 20_000) -> int:
    """Move every click logged since the last call into the inbox; return how many."""
    staged = 0
    while True:
        with store.transaction() as conn:
            after = _watermark(conn)
            slugs = dict(conn.execute(select(partners.c.id, partners.c.slug)).all())
            rows = conn.execute(
                select(clicks).where(clicks.c.id > after).order_by(clicks.c.id).limit(batch)
            ).all()
            if not rows:
                return staged
            now = time.time_ns() // 1000
            values = [
                {
                    "stream": "front",
                    "source": SOURCE,
                    "event_id": r.click_id,
                    "kind": "click",
                    "ts_us": r.ts_us,
                    "received_us": now,
                    "payload": touch_payload(
                        r, slugs.get(r.partner_id, str(r.partner_id))
                    ).decode(),
                }
                for r in rows
            ]
            _insert_ignoring_repeats(conn, values)
            _set_watermark(conn, rows[-1].id)
        staged += len(rows)

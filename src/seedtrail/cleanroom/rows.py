"""Per-person rows for the release templates, built from touches and an attribution run's credits.

The clean room's reports (``funnel_by_*``, ``roas``, ``lift``) read one row per person per finest
cell: ``person, campaign_id, creator_id, note_id, day, group`` and the measures ``impressions,
reads, clicks, purchases, gmv``. This module makes those rows inside the clean room, where both
sides' data meet, so that neither party's rows leave it:

* touch measures count the person's front-link events on the note that day;
* ``purchases`` and ``gmv`` are the attribution credits of purchases and refunds that landed on the
  person's touches of the note (credit × value, so a refund takes back its purchase's share),
  scaled by ``1 / sample_rate`` (Horvitz-Thompson) when the shop sent only a sample, on the day of
  the conversion;
* ``group`` is ``control`` for viewers in the campaign's randomized holdout, else ``exposed``.

A note in several campaigns yields rows for each; every report covers one campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from seedtrail.attribution.dialect import literal
from seedtrail.core.errors import Conflict, InvalidInput
from seedtrail.messages import Msg

ROW_COLUMNS = (
    "person",
    "campaign_id",
    "creator_id",
    "note_id",
    "day",
    "group",
    "impressions",
    "reads",
    "clicks",
    "purchases",
    "gmv",
)


@dataclass(frozen=True)
class RowSources:
    """Files the rows are built from (Parquet). ``holdout`` has ``community_key, holdout``."""

    touches: Path  # user_key, note_id, kind, ts, and touch_id or event_id
    credits: Path  # an attribution run's output: conversion_id, conversion_kind, touch_id, ...
    notes: Path  # note_id, author_id
    campaign_notes: Path  # campaign_id, note_id
    holdout: Path | None = None

    @classmethod
    def from_world(cls, world: Path, credits: Path) -> RowSources:
        """The files of a ``seedtrail sim`` world (docs/sim.md) and a run's credits."""
        return cls(
            touches=world / "events" / "front.parquet",
            credits=credits,
            notes=world / "entities" / "notes.parquet",
            campaign_notes=world / "entities" / "campaign_notes.parquet",
            holdout=world / "truth" / "viewers.parquet",
        )

    def check(self) -> None:
        for name in ("touches", "credits", "notes", "campaign_notes", "holdout"):
            path = getattr(self, name)
            if path is not None and not Path(path).exists():
                raise InvalidInput(
                    Msg("problem.invalid-input.rows_file", {"name": name, "path": str(path)})
                )


def _q(path: Path) -> str:
    return literal(str(path))


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [str(c) for c in con.sql(f"SELECT * FROM read_parquet({_q(path)}) LIMIT 0").columns]


def _require(con: duckdb.DuckDBPyConnection, path: Path, role: str, *names: str) -> list[str]:
    have = _columns(con, path)
    missing = [n for n in names if n not in have]
    if missing:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.rows_columns",
                {"name": role, "path": str(path), "columns": str(missing)},
            )
        )
    return have


def build_rows(sources: RowSources, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The per-person rows, sorted by campaign, note, day, person."""
    sources.check()
    con = con or duckdb.connect()
    have = _require(con, sources.touches, "touches", "user_key", "note_id", "kind", "ts")
    touch_id = "touch_id" if "touch_id" in have else "event_id"
    if touch_id not in have:
        raise InvalidInput(
            Msg("problem.invalid-input.rows_touch_id", {"path": str(sources.touches)})
        )
    _require(con, sources.credits, "credits", "conversion_kind", "touch_id", "credit", "value")
    credit_cols = _columns(con, sources.credits)
    rate = "COALESCE(c.sample_rate, 1.0)" if "sample_rate" in credit_cols else "1.0"
    conv_day = "CAST(c.conversion_ts AS DATE)" if "conversion_ts" in credit_cols else "t.day"
    _require(con, sources.notes, "notes", "note_id", "author_id")
    _require(con, sources.campaign_notes, "campaign_notes", "campaign_id", "note_id")
    if sources.holdout is not None:
        _require(con, sources.holdout, "holdout", "community_key", "holdout")
        holdout = f"(SELECT community_key, holdout FROM read_parquet({_q(sources.holdout)}))"
    else:
        holdout = "(SELECT NULL::VARCHAR AS community_key, FALSE AS holdout WHERE FALSE)"
    sql = f"""
    WITH t AS (
        SELECT {touch_id}::VARCHAR AS touch_id, user_key::VARCHAR AS person, note_id::VARCHAR
            AS note_id, kind, CAST(timezone('UTC', ts) AS DATE) AS day
        FROM read_parquet({_q(sources.touches)})
    ),
    touch_cells AS (
        SELECT person, note_id, day,
            COUNT(*) FILTER (WHERE kind = 'impression') AS impressions,
            COUNT(*) FILTER (WHERE kind = 'read') AS reads,
            COUNT(*) FILTER (WHERE kind = 'click') AS clicks,
            0.0 AS purchases, 0.0 AS gmv
        FROM t GROUP BY ALL
    ),
    credit_cells AS (
        SELECT t.person, t.note_id, {conv_day} AS day, 0 AS impressions, 0 AS reads, 0 AS clicks,
            SUM(CASE WHEN c.conversion_kind = 'purchase' THEN c.credit
                     WHEN c.conversion_kind = 'refund' THEN -c.credit ELSE 0 END / {rate})
                AS purchases,
            SUM(CASE WHEN c.conversion_kind IN ('purchase', 'refund') THEN c.value ELSE 0 END
                / {rate}) AS gmv
        FROM read_parquet({_q(sources.credits)}) c JOIN t ON t.touch_id = c.touch_id::VARCHAR
        GROUP BY ALL
    ),
    cells AS (
        SELECT person, note_id, day, SUM(impressions) AS impressions, SUM(reads) AS reads,
            SUM(clicks) AS clicks, SUM(purchases) AS purchases, SUM(gmv) AS gmv
        FROM (SELECT * FROM touch_cells UNION ALL SELECT * FROM credit_cells) GROUP BY ALL
    )
    SELECT x.person, cn.campaign_id::BIGINT AS campaign_id, n.author_id::BIGINT AS creator_id,
        x.note_id, x.day,
        CASE WHEN h.holdout THEN 'control' ELSE 'exposed' END AS "group",
        x.impressions::BIGINT AS impressions, x.reads::BIGINT AS reads,
        x.clicks::BIGINT AS clicks, x.purchases::DOUBLE AS purchases, x.gmv::DOUBLE AS gmv
    FROM cells x
    JOIN read_parquet({_q(sources.campaign_notes)}) cn ON cn.note_id::VARCHAR = x.note_id
    JOIN read_parquet({_q(sources.notes)}) n ON n.note_id::VARCHAR = x.note_id
    LEFT JOIN {holdout} h ON h.community_key = x.person
    ORDER BY campaign_id, x.note_id, x.day, x.person
    """
    return con.sql(sql).to_arrow_table()


def stored_rows_path(data_dir: Path) -> Path:
    """Where the clean room keeps the current rows (written by ``seedtrail cleanroom rows``)."""
    return data_dir / "cleanroom" / "rows.parquet"


def save_rows(table: pa.Table, data_dir: Path) -> Path:
    """Replace the stored rows atomically (write aside, fsync, rename)."""
    import os

    import pyarrow.parquet as pq

    path = stored_rows_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(path)
    return path


def load_rows(data_dir: Path) -> pa.Table:
    import pyarrow.parquet as pq

    path = stored_rows_path(data_dir)
    if not path.exists():
        raise Conflict(Msg("problem.conflict.no_rows"))
    return pq.read_table(path)

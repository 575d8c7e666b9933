"""Campaigns, their notes and boost spend read from the store (what brands entered through the
API) instead of a world's files, for reports whose ROAS should follow the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Float, cast, select

from seedtrail.store.schema import campaign_notes, campaign_spend, campaigns
from seedtrail.store.store import Store


@dataclass(frozen=True)
class StoreCampaigns:
    campaigns: pa.Table  # campaign_id, brand_id, name, starts_on, ends_on (inclusive, may be null)
    notes: pa.Table  # campaign_id, note_id
    spend: pa.Table  # campaign_id, note_id, day, spend

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replace ``w_campaigns``, ``w_campaign_notes`` and ``w_spend`` with the store's."""
        for name, table in (
            ("s_campaigns", self.campaigns),
            ("s_campaign_notes", self.notes),
            ("s_spend", self.spend),
        ):
            con.register(name, table)
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_campaigns AS SELECT campaign_id, brand_id, name, "
            "CAST(starts_on AS TIMESTAMPTZ) AS starts_at, "
            "COALESCE(CAST(ends_on + INTERVAL 1 DAY AS TIMESTAMPTZ), "
            "TIMESTAMPTZ '9999-12-31 00:00:00+00') AS ends_at FROM s_campaigns"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_campaign_notes AS SELECT campaign_id, "
            "CAST(note_id AS VARCHAR) AS note_id FROM s_campaign_notes"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW w_spend AS SELECT campaign_id, "
            "CAST(note_id AS VARCHAR) AS note_id, day, "
            "CAST(spend AS DOUBLE) AS spend FROM s_spend"
        )


def query_table(conn: Connection, query: Any, schema: pa.Schema) -> pa.Table:
    """The rows of ``query`` as an Arrow table of ``schema`` (columns in the query's order)."""
    rows = conn.execute(query).all()
    return pa.table(
        {f.name: pa.array([r[i] for r in rows], f.type) for i, f in enumerate(schema)},
        schema=schema,
    )


def load(store: Store) -> StoreCampaigns:
    i64 = pa.int64()
    with store.read() as conn:
        return StoreCampaigns(
            campaigns=query_table(
                conn,
                select(
                    campaigns.c.id,
                    campaigns.c.brand_id,
                    campaigns.c.name,
                    campaigns.c.starts_on,
                    campaigns.c.ends_on,
                ).order_by(campaigns.c.id),
                pa.schema(
                    [
                        ("campaign_id", i64),
                        ("brand_id", i64),
                        ("name", pa.string()),
                        ("starts_on", pa.date32()),
                        ("ends_on", pa.date32()),
                    ]
                ),
            ),
            notes=query_table(
                conn,
                select(campaign_notes.c.campaign_id, campaign_notes.c.note_id),
                pa.schema([("campaign_id", i64), ("note_id", i64)]),
            ),
            spend=query_table(
                conn,
                select(
                    campaign_spend.c.campaign_id,
                    campaign_spend.c.note_id,
                    campaign_spend.c.day,
                    cast(campaign_spend.c.amount, Float),
                ),
                pa.schema(
                    [
                        ("campaign_id", i64),
                        ("note_id", i64),
                        ("day", pa.date32()),
                        ("spend", pa.float64()),
                    ]
                ),
            ),
        )

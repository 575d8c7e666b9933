"""Campaigns, their notes and boost spend read from the store (what brands entered through the
API) instead of a world's files, for reports whose ROAS should follow the store."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlalchemy import select

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


def load(store: Store) -> StoreCampaigns:
    with store.read() as conn:
        camps = conn.execute(
            select(
                campaigns.c.id.label("campaign_id"),
                campaigns.c.brand_id,
                campaigns.c.name,
                campaigns.c.starts_on,
                campaigns.c.ends_on,
            ).order_by(campaigns.c.id)
        ).all()
        notes = conn.execute(select(campaign_notes.c.campaign_id, campaign_notes.c.note_id)).all()
        spend = conn.execute(
            select(
                campaign_spend.c.campaign_id,
                campaign_spend.c.note_id,
                campaign_spend.c.day,
                campaign_spend.c.amount,
            )
        ).all()
    return StoreCampaigns(
        campaigns=pa.table(
            {
                "campaign_id": pa.array([r[0] for r in camps], pa.int64()),
                "brand_id": pa.array([r[1] for r in camps], pa.int64()),
                "name": pa.array([r[2] for r in camps], pa.string()),
                "starts_on": pa.array([r[3] for r in camps], pa.date32()),
                "ends_on": pa.array([r[4] for r in camps], pa.date32()),
            }
        ),
        notes=pa.table(
            {
                "campaign_id": pa.array([r[0] for r in notes], pa.int64()),
                "note_id": pa.array([r[1] for r in notes], pa.int64()),
            }
        ),
        spend=pa.table(
            {
                "campaign_id": pa.array([r[0] for r in spend], pa.int64()),
                "note_id": pa.array([r[1] for r in spend], pa.int64()),
                "day": pa.array([r[2] for r in spend], pa.date32()),
                "spend": pa.array([float(r[3]) for r in spend], pa.float64()),
            }
        ),
    )

"""Reports whose campaigns and spend follow the store (what brands entered) over the files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

import reportworld
from factories import OPERATOR
from seedtrail.attribution import store_campaigns
from seedtrail.attribution.report import ReportSpec, build
from seedtrail.community import campaigns
from seedtrail.sim.load import load_world
from seedtrail.store.store import Store


def test_report_takes_spend_from_the_store(
    store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    load_world(store, w, reportworld.SEED)
    cid, note, day = duckdb.execute(
        f"SELECT campaign_id, note_id, day FROM '{w}/entities/campaign_spend.parquet' "
        "ORDER BY campaign_id, note_id, day LIMIT 1"
    ).fetchone()
    with store.transaction() as conn:
        campaigns.set_spend(
            conn,
            OPERATOR,
            cid,
            campaigns.SpendIn(
                note_id=note, day=date.fromisoformat(str(day)), amount=Decimal("1000")
            ),
        )
    loaded = store_campaigns.load(store)
    want = sum(r["spend"] for r in loaded.spend.to_pylist() if r["campaign_id"] == cid)
    assert want >= 1000

    report = build(w, ReportSpec(models=("last_click",), primary="last_click"), campaigns=loaded)
    assert report.meta["campaigns_from"] == "store"
    rows = {(r["dimension"], r["key"]): r for r in report.tables["funnel"].to_pylist()}
    assert rows[("campaign", str(cid))]["spend"] == pytest.approx(want)
    assert rows[("note", str(note))]["spend"] >= 1000
    assert {str(c) for c in loaded.campaigns["campaign_id"].to_pylist()} <= {
        r["key"] for r in report.tables["lift"].to_pylist()
    }

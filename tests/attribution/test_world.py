"""A simulated world's files as report inputs: de-duplicated conversions, cut-offs, note keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import reportworld
from seedtrail.attribution import world
from seedtrail.core.errors import AttributionInputError


def _con(w: Path, as_of: datetime | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    world.register(con, world.WorldDir(w), as_of)
    return con


def test_duplicated_deliveries_count_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    con = _con(w)
    raw = con.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT event_id) FROM '{w}/conversions/*.parquet'"
    ).fetchone()
    assert raw is not None and raw[0] > raw[1]  # the world has duplicates
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM w_conv").fetchone() == (
        raw[1],
        raw[1],
    )


def test_as_of_cuts_touches_by_time_and_conversions_by_arrival(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    start = _con(w).execute("SELECT epoch_us(MIN(ts)) FROM w_touches").fetchone()
    assert start is not None
    cut = datetime.fromtimestamp(start[0] / 1e6, UTC) + timedelta(days=3)
    con = _con(w, cut)
    micros = int(cut.timestamp() * 1e6)
    late = "SELECT COUNT(*) FROM {} WHERE epoch_us({}) >= ?"
    assert con.execute(late.format("w_touches", "ts"), [micros]).fetchone() == (0,)
    assert con.execute(late.format("w_conv", "received_at"), [micros]).fetchone() == (0,)
    assert con.execute("SELECT COUNT(*) FROM w_touches").fetchone()[0] > 0


def test_note_keys_name_brands_and_creators(tmp_path_factory: pytest.TempPathFactory) -> None:
    w = reportworld.world_dir(tmp_path_factory)
    con = _con(w)
    # every boosted note belongs to its campaign's brand
    bad = con.execute(
        f"SELECT COUNT(*) FROM '{w}/entities/campaign_notes.parquet' cn "
        f"JOIN '{w}/entities/campaigns.parquet' c USING (campaign_id) "
        "JOIN w_note_dims d USING (note_id) WHERE d.brand_id IS DISTINCT FROM c.brand_id"
    ).fetchone()
    assert bad == (0,)
    kinds = dict(
        con.execute(
            "SELECT a.kind, COUNT(d.creator_id) FROM w_note_dims d "
            f"JOIN '{w}/entities/notes.parquet' n USING (note_id) "
            f"JOIN '{w}/entities/accounts.parquet' a ON a.account_id = n.author_id "
            "GROUP BY ALL"
        ).fetchall()
    )
    assert kinds.get("brand", 0) == 0 and kinds["creator"] > 0


def test_an_incomplete_world_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    with pytest.raises(AttributionInputError, match=r"missing events/front\.parquet"):
        world.register(duckdb.connect(), world.WorldDir(tmp_path))

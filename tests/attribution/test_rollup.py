"""Credit rolled up from notes to creators, brands, campaigns, partners and placements."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

import reportworld
from seedtrail.attribution import report, rollup, world
from seedtrail.attribution.summary import METRICS

Keyed = tuple[duckdb.DuckDBPyConnection, str]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keyed]:
    wd = world.WorldDir(reportworld.world_dir(tmp_path_factory))
    con = duckdb.connect()
    world.register(con, wd)
    world.touch_keys(con)
    inputs = world.engine_inputs(con, tmp_path_factory.mktemp("inputs"))
    table = report.credit_model(con, report.ReportSpec(), "position_based", inputs)
    yield con, table
    con.close()


def _by(rows: list[dict[str, object]], dimension: str) -> dict[str, dict[str, object]]:
    return {str(r["key"]): r for r in rows if r["dimension"] == dimension}


def test_every_dimension_partitions_the_note_level_totals(keyed: Keyed) -> None:
    con, table = keyed
    rows = rollup.rollup(con, table).to_pylist()
    raw = con.execute(
        f"SELECT SUM(credit) FILTER (WHERE conversion_kind = 'purchase'), "
        f"SUM(credit / sample_rate) FILTER (WHERE conversion_kind = 'purchase'), "
        f"SUM(value / sample_rate) FILTER (WHERE conversion_kind IN ('purchase', 'refund')) "
        f"FROM {table}"
    ).fetchone()
    assert raw is not None and raw[0] > 10  # the world has credited purchases to spread
    notes = _by(rows, "note")
    for dim in rollup.DIMENSIONS:
        got = _by(rows, dim)
        assert len(got) > 1, dim
        for name, _, _ in METRICS:
            for col in (name, f"{name}_scaled"):
                total = sum(float(r[col]) for r in got.values())
                note_total = sum(float(r[col]) for r in notes.values())
                assert total == pytest.approx(note_total, rel=1e-9, abs=1e-9), (dim, col)
        assert sum(float(r["purchases"]) for r in got.values()) == pytest.approx(raw[0])
        assert sum(float(r["gmv_scaled"]) for r in got.values()) == pytest.approx(raw[2])


def test_creator_and_brand_rows_are_the_sums_of_their_notes(keyed: Keyed) -> None:
    con, table = keyed
    rows = rollup.rollup(con, table).to_pylist()
    notes = _by(rows, "note")
    dims = {
        str(n): (c, b)
        for n, c, b in con.execute(
            "SELECT note_id, creator_id, brand_id FROM w_note_dims"
        ).fetchall()
    }
    for dim, index in (("creator", 0), ("brand", 1)):
        expect: dict[str, float] = {}
        for key, row in notes.items():
            owner = dims[key][index] if key in dims else None
            k = rollup.NONE if owner is None else str(owner)
            expect[k] = expect.get(k, 0.0) + float(row["purchases_scaled"])
        got = {k: float(r["purchases_scaled"]) for k, r in _by(rows, dim).items()}
        assert got == pytest.approx(expect), dim


def test_sampled_partner_is_scaled_by_its_rate_with_an_interval(keyed: Keyed) -> None:
    con, table = keyed
    partners = _by(rollup.rollup(con, table).to_pylist(), "partner")
    tmall, jd = partners["tmall"], partners["jd"]
    assert tmall["sample_rate_min"] == tmall["sample_rate_max"] == 0.5
    assert tmall["purchases_scaled"] == pytest.approx(2 * tmall["purchases"])
    assert tmall["purchases_ci_low"] < tmall["purchases_scaled"] < tmall["purchases_ci_high"]
    # a shop that sends everything has no sampling error: the interval is the figure itself
    assert jd["sample_rate_min"] == 1.0
    assert jd["purchases_ci_low"] == pytest.approx(jd["purchases_scaled"])
    assert jd["purchases_ci_high"] == pytest.approx(jd["purchases_scaled"])

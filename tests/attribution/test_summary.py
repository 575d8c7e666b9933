"""The per-note summary scales sampled backhaul (Horvitz-Thompson) with 95% intervals."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seedtrail.attribution.engines.base import SqlEngine
from seedtrail.attribution.inputs import Inputs
from seedtrail.attribution.spec import AttributionSpec, ModelSpec
from seedtrail.attribution.summary import T975, Z95

from .fixtures import conversions_table, write_world


def test_sampled_events_are_scaled_with_their_interval(
    make_engine: Callable[[str], SqlEngine], tmp_path: Path
) -> None:
    touches, _conv, identity = write_world(tmp_path)
    conv = conversions_table()
    # s1's shop sent half of its events (c1 and its refund r1), the others everything
    rates = [0.5 if u == "s1" else 1.0 for u in conv["user_key"].to_pylist()]
    conv = conv.append_column("sample_rate", pa.array(rates, pa.float64()))
    conv_path = tmp_path / "sampled.parquet"
    pq.write_table(conv, conv_path)
    engine = make_engine("duckdb")
    engine.run(
        AttributionSpec(model=ModelSpec(name="position_based")),
        Inputs(touches, conv_path, identity),
    )
    notes = {r["note_id"]: r for r in engine.summary().to_pylist()}
    n11 = notes["11"]  # t02: 0.4 of c1 (100), of r1 (-40) and of c4 (a cart, not sampled)
    assert n11["purchases"] == pytest.approx(0.4)
    assert n11["purchases_scaled"] == pytest.approx(0.8)
    # s1 is one customer: its credited purchases scaled 0.8, variance (1 - π) 0.8²
    var = (1 - 0.5) * 0.8**2
    factor = math.exp(Z95 * math.sqrt(math.log(1 + var / 0.8**2)))  # log-normal for a count
    assert n11["purchases_ci_high"] == pytest.approx(0.8 * factor)
    assert n11["purchases_ci_low"] == pytest.approx(max(0.8 / factor, 0.4))
    assert n11["gmv_scaled"] == pytest.approx(0.4 * (100 - 40) / 0.5)
    # net GMV over customers: s1's net 0.4 · 60 / 0.5 = 48, one customer: t with 1 df
    gmv_sd = math.sqrt(0.5 * 48.0**2)
    assert n11["gmv_scaled"] - T975[0] * gmv_sd < 0  # net GMV is not negative: cut at zero
    assert n11["gmv_ci_low"] == 0.0
    assert n11["gmv_ci_high"] == pytest.approx(n11["gmv_scaled"] + T975[0] * gmv_sd)
    assert n11["carts_scaled"] == pytest.approx(0.4)  # c4 was not sampled: no scaling
    assert (n11["sample_rate_min"], n11["sample_rate_max"]) == (0.5, 1.0)
    full = notes["25"]  # u3's click t12: every event sent, the interval is the figure
    assert full["purchases_ci_low"] == full["purchases_scaled"] == full["purchases_ci_high"]


@pytest.mark.parametrize("df", [1, 2, 5, 30, 31, 45, 200])
def test_t_quantile_in_sql_is_students(df: int) -> None:
    import duckdb
    from scipy import stats

    from seedtrail.attribution.summary import t975_sql

    with duckdb.connect() as con:  # its own connection: the module-wide default is shared
        [got] = con.sql(f"SELECT {t975_sql(str(df))}").fetchall()
    assert got[0] == pytest.approx(stats.t.ppf(0.975, df), abs=2e-4)

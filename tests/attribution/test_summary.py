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
from seedtrail.attribution.summary import Z95

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
    sd = math.sqrt((1 - 0.5) * 0.4**2 / 0.5**2)
    assert n11["purchases_ci_high"] == pytest.approx(0.8 + Z95 * sd)
    assert n11["purchases_ci_low"] == pytest.approx(max(0.8 - Z95 * sd, 0.4))
    assert n11["gmv_scaled"] == pytest.approx(0.4 * (100 - 40) / 0.5)
    gmv_sd = math.sqrt(0.5 * (40.0**2 + 16.0**2) / 0.25)
    # net GMV is not negative: the normal bound (-71.4) is cut at zero
    assert n11["gmv_scaled"] - Z95 * gmv_sd < 0
    assert n11["gmv_ci_low"] == 0.0
    assert n11["gmv_ci_high"] == pytest.approx(n11["gmv_scaled"] + Z95 * gmv_sd)
    assert n11["carts_scaled"] == pytest.approx(0.4)  # c4 was not sampled: no scaling
    assert (n11["sample_rate_min"], n11["sample_rate_max"]) == (0.5, 1.0)
    full = notes["25"]  # u3's click t12: every event sent, the interval is the figure
    assert full["purchases_ci_low"] == full["purchases_scaled"] == full["purchases_ci_high"]

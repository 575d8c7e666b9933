"""Building a report: every table written, described in report.json."""

from __future__ import annotations

import json

import pytest

import reportworld
from seedtrail.attribution import calibration
from seedtrail.attribution.report import ReportSpec
from seedtrail.attribution.runs import TABLES
from seedtrail.core.errors import InvalidInput


def test_report_writes_every_table_and_describes_the_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    for name in TABLES:
        assert (path / f"{name}.parquet").stat().st_size > 0, name
    meta = json.loads((path / "report.json").read_text())
    assert meta["models"] == [*reportworld.MODELS, "calibrated"]
    # the default model is chosen by agreement with the measured lift, and says why
    assert meta["primary_model"] in reportworld.MODELS
    assert meta["primary_model"] in meta["primary_model_why"]
    assert set(meta["agreement_with_lift"]) == set(reportworld.MODELS)
    # the data's own choice (the organic floor's), unless the lift fits another model better by
    # more than the chi-squared threshold
    figures = meta["agreement_with_lift"]
    floors = {m: f["floor"] for m, f in figures.items()}
    top = max(f["explained_purchases"] for f in floors.values())
    prior = min(
        floors,
        key=lambda m: (
            -round(floors[m]["explained_purchases"] / top, 6),
            floors[m]["off_brand"],
            m,
        ),
    )
    fits = {m: f["chi2"] for m, f in figures.items() if f["chi2"] is not None}
    if meta["primary_model"] != prior:
        assert fits[prior] - fits[meta["primary_model"]] > calibration.CHI2_SWITCH
    assert 0 < meta["calibration"]["floor"]["kept"] <= 1
    cal = meta["calibration"]
    assert cal["base_model"] == meta["primary_model"]
    assert cal["campaigns"] and all(
        (r["status"] in ("calibrated", "pooled")) == (r["factor"] is not None)
        for r in cal["campaigns"]
    )
    assert meta["windows_days"] == {
        "click": 15, "read": 15, "engagement": 15, "impression": 1, "search": 7, "live": 1
    }  # fmt: skip
    assert meta["rows"]["funnel"] == built.tables["funnel"].num_rows
    assert {s["model"] for s in meta["scores"]} == {*reportworld.MODELS, "calibrated"}
    keys = {r["key"] for r in meta["lift"]}
    assert "all" in keys and len(keys) > 1
    truth = {r["key"]: r["true_incremental_purchases"] for r in meta["lift"]}
    assert truth["all"] == sum(v for k, v in truth.items() if k != "all")
    models = {r["model"] for r in built.tables["lift_models"].to_pylist()}
    assert models == {*reportworld.MODELS, "calibrated"}


def test_report_spec_refuses_unknown_models() -> None:
    with pytest.raises(InvalidInput, match="unknown model 'lastest'"):
        ReportSpec(models=("lastest",))
    with pytest.raises(InvalidInput, match="primary model 'linear' is not among"):
        ReportSpec(models=("last_touch",), primary="linear")

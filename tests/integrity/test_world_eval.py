"""World evaluation scores every content type the scan flags, profiles included, against the
world's truth (``truth/bad_items``)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from seedtrail.integrity.evaluation.world_eval import evaluate_world
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import spec_from_mapping


def test_profiles_are_scored_against_the_worlds_truth(tmp_path: Path) -> None:
    spec = spec_from_mapping({"base": "tiny", "name": "eval", "viewers": 2000, "days": 20})
    world = Path(generate(spec, 5, tmp_path).out)
    truth = pq.read_table(world / "truth" / "bad_items.parquet").to_pylist()
    bad_profiles = {t["item_id"] for t in truth if t["item_type"] == "profile"}
    rep = evaluate_world(world).as_dict()["scan"]
    row = next(
        r for r in rep["per_type"] if (r["content"], r["label"]) == ("profiles", "diversion")
    )
    assert row["actual"] == len(bad_profiles) > 0
    assert row["recall"] is not None and row["recall"] >= 0.9
    assert row["precision"] is not None and row["precision"] >= 0.9
    assert {r["content"] for r in rep["per_type"]} == {"comments", "notes", "profiles"}

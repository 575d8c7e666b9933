"""One small simulated world shared by the simulator tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from seedtrail.sim.runner import Summary, generate
from seedtrail.sim.spec import spec_from_mapping

# Medical claims are 2% of the tiny scale's creator notes in two of six categories: about one
# note in a world this small, so a seed can draw none. A 10% share makes every kind of bad note
# certain enough (about five) for the labelling tests to be about the labels, not the luck.
TEST_SCALE = {
    "base": "tiny",
    "name": "test",
    "viewers": 4000,
    "days": 40,
    "medical_claim_share": 0.1,
}


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    out = tmp_path_factory.mktemp("world")
    return generate(spec_from_mapping(TEST_SCALE), 11, out)


@pytest.fixture
def db(world: Summary) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for path in sorted(Path(world.out).rglob("*.parquet")):
        name = str(path.relative_to(world.out).with_suffix("")).replace("/", "_")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return con

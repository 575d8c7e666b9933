"""Fixtures of the attribution tests: the hand-built world on disk, and engines by name.

The Spark engine shares one local SparkSession for the whole test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from seedtrail.attribution.engines.base import SqlEngine
from seedtrail.attribution.inputs import Inputs

from .fixtures import write_world

# DuckDB answers single-touch models by two routes (a hash join for most people, ASOF joins for
# people with many conversions); "duckdb-asof" sends everyone the ASOF way, "duckdb-mixed" the
# people with more than one conversion, so both routes meet every fixture.
DUCKDB_HEAVY_ANCHORS = {"duckdb-asof": 0, "duckdb-mixed": 1}
ENGINE_PARAMS = [
    pytest.param("duckdb", id="duckdb"),
    *(pytest.param(name, id=name) for name in DUCKDB_HEAVY_ANCHORS),
    pytest.param("spark", id="spark", marks=pytest.mark.spark),
]


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
    from seedtrail.attribution.engines.spark import local_session

    session = local_session(shuffle_partitions=2, conf={"spark.ui.showConsoleProgress": "false"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def engine_pool(request: pytest.FixtureRequest) -> Iterator[dict[str, SqlEngine]]:
    """One engine per name for the whole session: runs over the same unchanged files share the
    engine's base steps (as a user running several models would), which keeps Spark fast."""
    pool: dict[str, SqlEngine] = {}
    yield pool
    for engine in pool.values():
        engine.close()


@pytest.fixture
def make_engine(
    request: pytest.FixtureRequest, engine_pool: dict[str, SqlEngine]
) -> Callable[[str], SqlEngine]:
    def make(name: str) -> SqlEngine:
        if name not in engine_pool:
            if name == "spark":
                from seedtrail.attribution.engines.spark import SparkEngine

                engine_pool[name] = SparkEngine(request.getfixturevalue("spark_session"))
            else:
                from seedtrail.attribution.engines.duckdb import DuckDBEngine

                engine_pool[name] = (
                    DuckDBEngine(heavy_anchors=DUCKDB_HEAVY_ANCHORS[name])
                    if name in DUCKDB_HEAVY_ANCHORS
                    else DuckDBEngine()
                )
        return engine_pool[name]

    return make


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    touches, conversions, identity = write_world(tmp_path_factory.mktemp("world"))
    return Inputs(touches, conversions, identity)

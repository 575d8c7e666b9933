from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import PG_SKIP, PG_URL, _pg_store
from seedtrail.core.errors import Conflict
from seedtrail.lake import lock
from seedtrail.lake.compact import compact
from seedtrail.lake.layout import Lake, Partition
from seedtrail.lake.schema import BACK, to_table
from seedtrail.lake.stats import stats
from seedtrail.store.db import make_engine

PART = Partition("purchase", date(2026, 11, 20))
TS = 1_795_651_200_000_000  # 2026-11-20T00:00:00Z


def rows(ids: list[str]) -> pa.Table:
    payload = b'{"partner":"p","value":9.5,"currency":"CNY","sample_rate":1.0,"order_id":"o"}'
    return to_table(
        "back", [(i, "purchase", TS + n, TS + n + 5, payload) for n, i in enumerate(ids)]
    )


def test_schema_follows_contract() -> None:
    t = rows(["a"])
    assert t.schema == BACK
    assert str(t.schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert t.column("partner")[0].as_py() == "p"


def test_atomic_write_leaves_no_temp_and_survives_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake(str(tmp_path / "lake"))
    path = lake.write(PART, rows(["a", "b"]))
    assert pq.read_table(path).num_rows == 2
    folder = os.path.dirname(path)

    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        lake.write(PART, rows(["c"]))
    assert sorted(os.listdir(folder)) == [os.path.basename(path)]  # no temp, no half file
    assert lake.read(PART).num_rows == 2  # type: ignore[union-attr]


def test_stats_and_compact_dedup(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    lake.write(PART, rows(["a", "b"]))
    lake.write(
        PART, rows(["b", "c"])
    )  # "b" twice, as a crash-then-reseal could never leave, but a replay might
    (s,) = stats(lake)
    assert (s.type, s.day, s.files, s.rows) == ("purchase", "2026-11-20", 2, 4)
    report = compact(lake)
    assert (report.files_before, report.files_after, report.duplicates) == (2, 1, 1)
    (s,) = stats(lake)
    assert (s.files, s.rows) == (1, 3)
    assert sorted(lake.read(PART).column("event_id").to_pylist()) == ["a", "b", "c"]  # type: ignore[union-attr]


def test_fsspec_memory_lake() -> None:
    lake = Lake("memory://seedtrail-test-lake")
    lake.write(PART, rows(["a"]))
    assert lake.partitions() == [PART]
    assert lake.read(PART).num_rows == 1  # type: ignore[union-attr]


def test_one_sealer_at_a_time(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with (
        lock.exclusive(engine, tmp_path),
        pytest.raises(Conflict),
        lock.exclusive(engine, tmp_path),
    ):
        pass
    with lock.exclusive(engine, tmp_path):  # released
        pass


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP)
def test_the_postgresql_sealer_lock_is_one_deployments(tmp_path: Path) -> None:
    """Two deployments in separate schemas of one database seal independently; two sealers of
    the same deployment (schema) still exclude each other."""
    stores = [_pg_store(), _pg_store()]
    a, b = (next(s) for s in stores)
    try:
        with lock.exclusive(a.engine, tmp_path):
            with lock.exclusive(b.engine, tmp_path):  # another schema: not blocked
                pass
            with pytest.raises(Conflict), lock.exclusive(a.engine, tmp_path):
                pass
        with lock.exclusive(a.engine, tmp_path):  # released
            pass
    finally:
        for s in stores:
            next(s, None)


def test_lake_columns_are_the_validated_fields() -> None:
    from seedtrail.intake.events import BackEvent, FrontEvent
    from seedtrail.lake.schema import FRONT

    for model, schema in ((FrontEvent, FRONT), (BackEvent, BACK)):
        fields = set(model.__required_keys__) | set(model.__optional_keys__)
        from seedtrail.contracts import CLICK_ONLY

        extra = {"partner", "declared_sample_rate"} if schema is BACK else set(CLICK_ONLY)
        assert fields | extra == set(schema.names), model.__name__

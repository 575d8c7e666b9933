"""Stored runs: publishing a report and reading it back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import reportworld
from seedtrail.attribution import runs
from seedtrail.attribution.report import SORT_KEYS, Report
from seedtrail.core.errors import InvalidInput, NotFound, ReportOutdated


def test_publish_then_read_the_latest_report(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    assert runs.latest(tmp_path) is None
    pointer = runs.publish(tmp_path, path)
    assert pointer["run_id"] == built.meta["run_id"]
    report = runs.latest(tmp_path)
    assert report is not None and report.path == path.resolve()
    rows = report.query(
        "SELECT key, purchases_scaled FROM {funnel} WHERE model = ? AND dimension = 'partner' "
        "ORDER BY key",
        ["last_touch"],
    )
    assert [r["key"] for r in rows] == sorted(r["key"] for r in rows) and rows
    assert report.model(None) == "position_based"
    assert report.model("last_touch") == "last_touch"
    with pytest.raises(InvalidInput, match="model 'markov' is not in this report"):
        report.model("markov")


def test_a_published_report_that_vanished_is_reported(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "report.json").write_text('{"run_id": "x"}')
    runs.publish(tmp_path, gone)
    (gone / "report.json").unlink()
    with pytest.raises(NotFound, match="missing"):
        runs.latest(tmp_path)


def _copy(built: Report, out: Path, *, sort: bool = True, **meta: Any) -> Path:
    """``built`` written to ``out`` as the report writes it (``sort=False``: as its tables are,
    in small row groups); ``meta`` overrides (``None`` drops a key)."""
    new = {**built.meta, "run_id": uuid.uuid4().hex[:12], **meta}
    report = Report({k: v for k, v in new.items() if v is not None}, built.tables)
    if sort:
        return report.write(out)
    out.mkdir(parents=True)
    for name, table in built.tables.items():
        pq.write_table(table, out / f"{name}.parquet", row_group_size=64)
    (out / "report.json").write_text(json.dumps(report.meta, default=str))
    return out


def _shuffled(built: Report) -> Report:
    rng = np.random.default_rng(3)
    tables = {n: t.take(rng.permutation(t.num_rows)) for n, t in built.tables.items()}
    return Report(built.meta, tables)


# the lookups the API makes (attribution_routes), each with its parameters
LOOKUPS: list[tuple[str, list[Any]]] = [
    (
        "SELECT * FROM {funnel} WHERE model = ? AND dimension = ? "
        "AND (? OR list_contains(?::VARCHAR[], key)) ORDER BY key",
        ["position_based", "note", True, []],
    ),
    ("SELECT * FROM {funnel} WHERE model = ? AND dimension = 'campaign' ORDER BY key", ["x"]),
    ("SELECT * FROM {funnel} WHERE dimension = 'campaign' ORDER BY model, key", []),
    ("SELECT * FROM {lift} ORDER BY key", []),
    ("SELECT * FROM {lift_models} ORDER BY key, model", []),
    ("SELECT * FROM {scores} ORDER BY model", []),
]


def test_sorted_tables_answer_as_the_unsorted_ones_and_prune(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    built, _ = reportworld.built_report(tmp_path_factory)
    shuffled = _shuffled(built)
    unsorted = runs.StoredReport(_copy(shuffled, tmp_path / "shuffled", sort=False))
    path = _copy(shuffled, tmp_path / "sorted")
    written = runs.StoredReport(path)
    one = written.query("SELECT min(key) AS k FROM {funnel} WHERE dimension = 'campaign'")[0]["k"]
    lookups = [
        *LOOKUPS,
        (
            "SELECT * FROM {funnel} WHERE dimension = ? AND key = ? ORDER BY model",
            ["campaign", one],
        ),
        ("SELECT * FROM {lift_models} WHERE key = ? ORDER BY model", [one]),
    ]
    for sql, params in lookups:
        params = [reportworld.MODELS[0] if p == "x" else p for p in params]
        got, want = written.query(sql, params), unsorted.query(sql, params)
        assert got and got == want, sql
    funnel = pq.read_table(path / "funnel.parquet")
    keys = list(zip(*(funnel.column(c).to_pylist() for c in SORT_KEYS["funnel"]), strict=True))
    assert keys == sorted(keys)
    # row groups follow one another in model order: a lookup skips the others by statistics
    meta = pq.ParquetFile(path / "funnel.parquet").metadata
    model_col = funnel.schema.get_field_index("model")
    stats = [meta.row_group(i).column(model_col).statistics for i in range(meta.num_row_groups)]
    ranges = [(s.min, s.max) for s in stats]
    assert ranges == sorted(ranges)


def test_the_server_caches_query_results_until_another_report_is_published(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    runs.publish(tmp_path, path)
    reports = runs.Reports(tmp_path)
    sql = "SELECT key, purchases_scaled FROM {funnel} WHERE model = ? AND dimension = 'campaign'"
    first = reports.latest()
    assert first is not None and first.cache is not None
    rows = first.query(sql, ["position_based"])
    assert rows and (first.cache.hits, first.cache.misses) == (0, 1)
    rows[0]["key"] = "changed by a caller"
    again = reports.latest()
    assert again is first  # same run: same object, same cache
    assert again.query(sql, ["position_based"]) == first.query(sql, ["position_based"])
    assert again.query(sql, ["position_based"])[0]["key"] != "changed by a caller"
    assert first.cache.hits == 3
    # another run is published: its own figures, from a new cache
    funnel = built.tables["funnel"]
    last_touch = funnel.filter(pc.equal(funnel.column("model"), "last_touch"))
    only_last_touch = Report(built.meta, {**built.tables, "funnel": last_touch})
    runs.publish(tmp_path, _copy(only_last_touch, tmp_path / "second"))
    second = reports.latest()
    assert second is not None and second is not first and second.cache is not first.cache
    assert second.query(sql, ["position_based"]) == []
    assert second.query(sql, ["last_touch"])
    # the same directory rewritten in place (a rebuild into the same --out) is a new run too
    _copy(built, tmp_path / "second")
    third = reports.latest()
    assert third is not second and third is not None and third.query(sql, ["position_based"])


def test_the_row_cache_is_bounded_least_recently_used_first() -> None:
    cache = runs.RowCache(max_entries=2, max_rows=4, max_result=3)
    cache.put("a", [{"x": 1}])
    cache.put("b", [{"x": 2}])
    assert cache.get("a") == [{"x": 1}]  # a is now the most recent
    cache.put("c", [{"x": 3}])
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    cache.put("big", [{"x": i} for i in range(4)])  # over max_result: answered, not kept
    assert cache.get("big") is None and len(cache) == 2 and cache.rows == 2
    cache.put("d", [{"x": i} for i in range(3)])  # 5 rows held would exceed max_rows: a goes
    assert cache.get("a") is None and cache.get("c") is not None and cache.rows == 4
    cache.put("c", [{"x": 0}])  # replaced, not counted twice
    assert cache.rows == 4 and len(cache) == 2


def test_a_report_of_another_format_is_refused_with_a_rebuild_hint(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    built, path = reportworld.built_report(tmp_path_factory)
    assert built.meta["format_version"] == runs.FORMAT_VERSION
    runs.publish(tmp_path, _copy(built, tmp_path / "old", format_version=None))
    reports = runs.Reports(tmp_path)
    for read in (lambda: runs.latest(tmp_path), reports.latest):
        with pytest.raises(ReportOutdated, match=r"older version.*seedtrail report build") as exc:
            read()
        assert exc.value.status == 409 and exc.value.extra["format_version"] == 1
    runs.publish(tmp_path, _copy(built, tmp_path / "new", format_version=runs.FORMAT_VERSION + 1))
    with pytest.raises(ReportOutdated, match="a newer version"):
        reports.latest()
    runs.publish(tmp_path, path)
    assert reports.latest() is not None

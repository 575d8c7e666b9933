from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pytest

from seedtrail.integrity.spark_scan import label_batches

ROWS = {
    "id": ["a", "b", "c", "n1"],
    "text": [
        "加我薇信 abc_123456",
        "七天祛斑，100%有效",
        "好看",
        "花西子散粉 姐妹们冲！旗舰店直接搜",
    ],
    "kind": ["comment", "comment", "comment", "note"],
}
EXPECTED = {"a": ["diversion"], "b": ["claim"], "c": [], "n1": ["soft_ad"]}


def test_label_batches_without_spark() -> None:
    out = list(label_batches([pa.RecordBatch.from_pydict(ROWS)], ["花西子"], set()))
    got = pa.Table.from_batches(out).to_pylist()
    assert {r["id"]: r["labels"] for r in got} == EXPECTED
    wechat = [f for f in json.loads(got[0]["findings"]) if f["kind"] == "wechat"]
    assert wechat == [{"kind": "wechat", "value": "abc_123456", "span": [5, 15]}]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
    from pyspark.sql import SparkSession

    from seedtrail.attribution.engines.spark import local_session

    existing = SparkSession.getActiveSession()  # another module's session: reuse, don't stop
    session = local_session(shuffle_partitions=2, conf={"spark.ui.showConsoleProgress": "false"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    if existing is None:
        session.stop()


@pytest.mark.spark
def test_scan_dataframe_on_spark(spark) -> None:  # type: ignore[no-untyped-def]
    from seedtrail.integrity.spark_scan import scan_dataframe

    df = spark.createDataFrame([tuple(r) for r in zip(*ROWS.values(), strict=True)],
                               "id string, text string, kind string").repartition(2)  # fmt: skip
    got = {r["id"]: r["labels"] for r in scan_dataframe(df, ["花西子"], ["n9"]).collect()}
    assert got == EXPECTED

"""The per-text part of ``scan`` on Spark, for data beyond one machine.

Each executor builds the detectors once per partition and labels its rows in Arrow batches of
10,000; the output has the same ``id``, ``labels`` and ``findings`` as ``seedtrail integrity
scan`` (findings as a JSON string). It runs through ``rdd.mapPartitions`` rather than
``mapInArrow``: PySpark's ``mapInArrow`` insists on pandas being installed, which seedtrail does
not otherwise need. Executors need seedtrail installed in the Python they run
(``PYSPARK_PYTHON``). Near-duplicate clustering and campaigns are not distributed yet: they run
on one machine (``bench/integrity.py`` measures how far that goes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

OUTPUT_SCHEMA = "id string, labels array<string>, findings string"
_ARROW_SCHEMA = pa.schema(
    [("id", pa.string()), ("labels", pa.list_(pa.string())), ("findings", pa.string())]
)


def label_batches(
    batches: Iterable[pa.RecordBatch], brands: list[str], declared: set[str]
) -> Iterator[pa.RecordBatch]:
    """Label Arrow batches with columns ``id``, ``text`` and optionally ``kind``."""
    from seedtrail.integrity.scan import Scanner, labels_of
    from seedtrail.integrity.sources import Item

    scanner = Scanner(brands=brands, registered=declared)
    for rb in batches:
        cols = rb.to_pydict()
        ids = [str(x) for x in cols["id"]]
        kinds = cols.get("kind") or ["comment"] * len(ids)
        found = [
            scanner.detect(Item(rid, text or "", kind=kind or "comment"))
            for rid, text, kind in zip(ids, cols["text"], kinds, strict=True)
        ]
        labels = [labels_of(f) for f in found]
        findings = [orjson.dumps([x.to_json() for x in f]).decode() for f in found]
        yield pa.RecordBatch.from_pydict(
            {"id": ids, "labels": labels, "findings": findings}, schema=_ARROW_SCHEMA
        )


def scan_dataframe(
    df: DataFrame, brands: Iterable[str] = (), declared: Iterable[str] = ()
) -> DataFrame:
    """``df`` (``id``, ``text``[, ``kind``]) labelled by the per-text detectors."""
    brand_list, declared_set = list(brands), set(declared)
    columns = ["id", "text"] + (["kind"] if "kind" in df.columns else [])

    def run(rows: Iterable[Any]) -> Iterator[tuple[str, list[str], str]]:
        def batches() -> Iterator[pa.RecordBatch]:
            chunk: list[Any] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == 10_000:
                    yield _to_batch(chunk, columns)
                    chunk = []
            if chunk:
                yield _to_batch(chunk, columns)

        for rb in label_batches(batches(), brand_list, declared_set):
            cols = rb.to_pydict()
            yield from zip(cols["id"], cols["labels"], cols["findings"], strict=True)

    rdd = df.select(*columns).rdd.mapPartitions(run)
    return df.sparkSession.createDataFrame(rdd, OUTPUT_SCHEMA)


def _to_batch(rows: list[Any], columns: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {c: [None if r[i] is None else str(r[i]) for r in rows] for i, c in enumerate(columns)}
    )

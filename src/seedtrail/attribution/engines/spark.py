"""The Apache Spark engine (the ``spark`` extra): the same shared SQL steps as DuckDB, run by
Spark SQL, locally (``local_session()``) or on a cluster (pass your own ``SparkSession``).

Notes on Spark that the shared plan relies on:

* the session time zone is UTC, so ``timestamp_ntz`` columns (Parquet timestamps written
  without a zone read as ``timestamp_ntz`` in Spark 4) and zone-less CSV text mean UTC, as they
  do on DuckDB;
* materialized steps are local checkpoints (computed once, lineage cut), so a long plan is not
  recomputed from the files at every later step;
* the single-touch models (last touch, first touch, last click) use a window formulation over
  the touches of the anchor's person (a union of anchors and touches, sorted once per person)
  instead of enumerating every (conversion, touch) pair: a range join explodes on heavy users,
  a window over one sorted pass does not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from seedtrail.attribution.dialect import Dialect
from seedtrail.attribution.engines.base import Progress, SqlEngine
from seedtrail.attribution.inputs import describe, file_format
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import AttributionSpec
from seedtrail.core.errors import AttributionInputError
from seedtrail.messages import Msg

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK = Dialect(
    name="spark",
    epoch_us="unix_micros(CAST({x} AS TIMESTAMP))",
    intdiv="({a} DIV {b})",
    ordered_list=(
        "transform(array_sort(collect_list(named_struct('t', {ts}, 'k', {tiebreak}, "
        "'v', {value}))), x -> x.v)"
    ),
)


def local_session(
    cores: int = 2,
    memory: str = "2g",
    shuffle_partitions: int = 8,
    app_name: str = "seedtrail",
    conf: dict[str, str] | None = None,
) -> SparkSession:
    """A local-mode SparkSession set up for attribution (UTC, no UI, few shuffle partitions).
    ``conf`` adds or overrides Spark settings."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers run this interpreter (its packages: pyarrow, seedtrail), not whatever
    # `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {
        "spark.driver.memory": memory,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **(conf or {}),
    }
    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")  # progress and errors are seedtrail's to show
    return session


class SparkEngine(SqlEngine):
    dialect = SPARK
    name = "spark"

    def __init__(self, session: SparkSession | None = None) -> None:
        super().__init__()
        self._owns_session = session is None
        self.session = session if session is not None else local_session()
        self.session.conf.set("spark.sql.session.timeZone", "UTC")
        self._views: list[str] = []
        self._cached: list[DataFrame] = []

    def _error(self, exc: Exception) -> bool:
        from pyspark.errors import PySparkException

        return isinstance(exc, PySparkException)

    def register(self, relation: str, paths: tuple[Path, ...]) -> list[str]:
        fmt = file_format(paths[0])
        reader = self.session.read
        try:
            if fmt == "parquet":
                if any(p.is_dir() for p in paths):
                    reader = reader.option("recursiveFileLookup", "true").option(
                        "pathGlobFilter", "*.parquet"
                    )
                df = reader.option("mergeSchema", "true").parquet(*(str(p) for p in paths))
            else:
                sep = "\t" if paths[0].suffix.lower() == ".tsv" else ","
                df = reader.option("header", "true").option("sep", sep).csv([str(p) for p in paths])
            columns = list(df.columns)
        except Exception as exc:
            if self._error(exc):
                raise AttributionInputError(
                    Msg(
                        "problem.attribution-input.unreadable",
                        {"what": describe(paths), "error": _first_line(exc)},
                    )
                ) from exc
            raise
        df.createOrReplaceTempView(relation)
        self._views.append(relation)
        return columns

    def execute(self, step: Step) -> None:
        try:
            df = self.session.sql(step.sql)
            if step.materialize:
                df = df.localCheckpoint(eager=True)  # computed once, lineage cut
                self._cached.append(df)
        except Exception as exc:
            if self._error(exc):
                raise AttributionInputError(
                    Msg(
                        "problem.attribution-input.bad_value",
                        {"step": step.name, "error": _first_line(exc)},
                    )
                ) from exc
            raise
        df.createOrReplaceTempView(step.name)
        self._views.append(step.name)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.session.sql(sql).collect()]

    def to_arrow(self, relation: str, order_by: str) -> pa.Table:
        return self.session.sql(f"SELECT * FROM {relation} ORDER BY {order_by}").toArrow()

    def close(self) -> None:
        from pyspark import SparkContext

        if SparkContext._active_spark_context is None:  # the session was stopped already
            self._cached.clear()
            self._views.clear()
            return
        for df in self._cached:
            df.unpersist()
        for view in dict.fromkeys(self._views):
            self.session.catalog.dropTempView(view)
        self._cached.clear()
        self._views.clear()
        if self._owns_session:
            self.session.stop()

    def credit_steps(self, spec: AttributionSpec, progress: Progress) -> list[Step]:
        if spec.model.name in ("last_touch", "first_touch"):
            return [Step("st_credit", window_credit_sql(spec), materialize=True)]
        return super().credit_steps(spec, progress)


def window_credit_sql(spec: AttributionSpec) -> str:
    """``st_credit`` for last touch / first touch without a range join, in one sort.

    Anchors and touches of a person go into one stream ordered by ``(pos, ord, touch_id)``, with
    one column per window class (touch kinds sharing a window length) holding the touch (as a
    struct) when it is of that class. Last touch: an anchor sits at its own instant after the
    touches of that instant, and ``last(class_i, true)`` over the preceding rows is the latest
    touch of class i at or before it; kept when inside class i's window. First touch: an anchor
    has one row per class, at ``ts - window_i`` before the touches of that instant, and
    ``first(class_i, true)`` over the following rows is the earliest touch of class i inside
    the window's start; kept when not after the anchor. All windows share one ordering, so Spark
    sorts the stream once. Ties at one instant resolve by ``touch_id`` (largest for last touch,
    smallest for first touch), the order the stream is sorted in.
    """
    from seedtrail.attribution.dialect import literal, num
    from seedtrail.attribution.spec import TOUCH_KINDS

    first = spec.model.name == "first_touch"
    kinds = [k for k in (spec.filters.touch_kinds or TOUCH_KINDS) if k in TOUCH_KINDS]
    micros = spec.windows.micros_by_kind()
    classes = sorted({micros[k] for k in kinds})
    if not classes:
        return (
            "SELECT CAST(NULL AS STRING) AS anchor_id, CAST(NULL AS STRING) AS touch_id, "
            "CAST(NULL AS STRING) AS note_id, CAST(NULL AS STRING) AS touch_kind, "
            f"{num(1.0)} AS credit WHERE false"
        )
    touch = "named_struct('ts', ts_us, 'id', touch_id, 'note', note_id, 'kind', kind)"
    null_touch = "CAST(NULL AS STRUCT<ts: BIGINT, id: STRING, note: STRING, kind: STRING>)"
    class_cols = []
    for i, w in enumerate(classes):
        in_class = ", ".join(literal(k) for k in kinds if micros[k] == w)
        class_cols.append(f"CASE WHEN kind IN ({in_class}) THEN {touch} END AS c{i}")
    nulls = ", ".join(f"{null_touch} AS c{i}" for i in range(len(classes)))
    all_kinds = ", ".join(literal(k) for k in kinds)
    touches = (
        "SELECT user_key AS p, ts_us AS pos, {ord} AS ord, touch_id AS tk, "
        "CAST(NULL AS STRING) AS anchor_id, CAST(NULL AS BIGINT) AS c_ts, -1 AS cls, "
        f"{', '.join(class_cols)} FROM st_touches WHERE kind IN ({all_kinds})"
    )
    if first:
        anchor_rows = " UNION ALL ".join(
            f"SELECT person AS p, ts_us - {w} AS pos, 0 AS ord, CAST(NULL AS STRING) AS tk, "
            f"conversion_id AS anchor_id, ts_us AS c_ts, {i} AS cls, {nulls} "
            "FROM st_anchor WHERE person IS NOT NULL"
            for i, w in enumerate(classes)
        )
        stream = f"{anchor_rows} UNION ALL {touches.format(ord=1)}"
        frame, pick = "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING", "first"
    else:
        stream = (
            "SELECT person AS p, ts_us AS pos, 1 AS ord, CAST(NULL AS STRING) AS tk, "
            f"conversion_id AS anchor_id, ts_us AS c_ts, -1 AS cls, {nulls} "
            f"FROM st_anchor WHERE person IS NOT NULL UNION ALL {touches.format(ord=0)}"
        )
        frame, pick = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "last"
    over = f"OVER (PARTITION BY p ORDER BY pos, ord, tk {frame})"
    picked = ", ".join(f"{pick}(c{i}, true) {over} AS c{i}" for i in range(len(classes)))
    cands = []
    for i, w in enumerate(classes):
        keep = f"cls = {i} AND c{i}.ts <= c_ts" if first else f"c{i}.ts >= c_ts - {w}"
        cands.append(
            f"SELECT anchor_id, c{i}.ts AS t_ts, c{i}.id AS touch_id, c{i}.note AS note_id, "
            f"c{i}.kind AS touch_kind FROM carried WHERE c{i} IS NOT NULL AND {keep}"
        )
    order = "t_ts, touch_id" if first else "t_ts DESC, touch_id DESC"
    return (
        f"WITH carried AS (SELECT * FROM (SELECT anchor_id, c_ts, cls, {picked} "
        f"FROM ({stream}) s) x WHERE anchor_id IS NOT NULL) "
        f"SELECT anchor_id, touch_id, note_id, touch_kind, {num(1.0)} AS credit FROM "
        f"(SELECT u.*, ROW_NUMBER() OVER (PARTITION BY anchor_id ORDER BY {order}) AS rn "
        f"FROM ({' UNION ALL '.join(cands)}) u) r WHERE rn = 1"
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

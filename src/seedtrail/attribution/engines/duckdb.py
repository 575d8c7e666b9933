"""The embedded DuckDB engine (default).

Runs the shared steps, and answers the single-touch models (last touch, first touch, last
click) with ASOF joins instead of enumerating paths: one ASOF join per distinct window length,
then the best candidate, then ties at the same instant broken by ``touch_id``. ASOF joins stay
flat on heavy users where range joins blow up.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from seedtrail.attribution.dialect import Dialect, literal, num
from seedtrail.attribution.engines.base import Progress, SqlEngine
from seedtrail.attribution.inputs import describe, file_format
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import TOUCH_KINDS, AttributionSpec
from seedtrail.errors import AttributionInputError

DUCKDB = Dialect(
    name="duckdb",
    epoch_us="epoch_us(CAST({x} AS TIMESTAMPTZ))",
    intdiv="({a} // {b})",
    ordered_list="list({value} ORDER BY {ts}, {tiebreak})",
)


class DuckDBEngine(SqlEngine):
    dialect = DUCKDB
    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: str | None = None,
    ) -> None:
        """``memory_limit`` like ``"6GB"`` (DuckDB spills past it); spills go to
        ``temp_directory`` (default: ``seedtrail-duckdb`` in the system temp directory, never the
        working directory)."""
        super().__init__()
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        spill = temp_directory or os.path.join(tempfile.gettempdir(), "seedtrail-duckdb")
        self.con.execute(f"SET temp_directory = {literal(spill)}")
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def register(self, relation: str, paths: tuple[Path, ...]) -> list[str]:
        fmt = file_format(paths[0])
        targets = [str(p / "**" / "*.parquet") if p.is_dir() else str(p) for p in paths]
        listed = "[" + ", ".join(literal(t) for t in targets) + "]"
        reader = (
            f"read_parquet({listed}, union_by_name = true)"
            if fmt == "parquet"
            else f"read_csv({listed}, union_by_name = true)"
        )
        try:
            self.con.execute(f"CREATE OR REPLACE VIEW {relation} AS SELECT * FROM {reader}")
            return [row[0] for row in self.con.execute(f"DESCRIBE {relation}").fetchall()]
        except duckdb.Error as exc:
            raise AttributionInputError(f"cannot read {describe(paths)}: {exc}") from exc

    def execute(self, step: Step) -> None:
        kind = "TEMP TABLE" if step.materialize and not step.rereadable else "TEMP VIEW"
        try:
            self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {step.sql}")
        except duckdb.ConversionException as exc:
            raise AttributionInputError(f"bad value in the input ({step.name}): {exc}") from exc

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def to_arrow(self, relation: str, order_by: str) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {relation} ORDER BY {order_by}").to_arrow_table()

    def write(self, relation: str, order_by: str, path: Path) -> None:
        fmt = "CSV, HEADER" if path.suffix.lower() == ".csv" else "PARQUET"
        self.con.execute(
            f"COPY (SELECT * FROM {relation} ORDER BY {order_by}) TO {literal(str(path))} "
            f"(FORMAT {fmt})"
        )

    def close(self) -> None:
        self.con.close()

    def credit_steps(self, spec: AttributionSpec, progress: Progress) -> list[Step]:
        if spec.model.name == "last_touch":
            return last_touch_steps(spec)
        if spec.model.name in ("first_touch", "last_click"):
            return [Step("st_credit", asof_credit_sql(spec), materialize=True)]
        return super().credit_steps(spec, progress)


def last_touch_steps(spec: AttributionSpec) -> list[Step]:
    """Last touch in as few passes over the touches as the windows allow.

    Pass 1 is one ASOF join over every touch: each anchor gets its latest touch ``t``. When
    ``t`` is inside its own kind's window it is the answer (no eligible touch can be later).
    When it is not, every touch of a kind whose window is not longer than ``t``'s is older
    still and out of its window too, so pass 2 looks only at kinds with a longer window, and
    only at the touches of the people still unresolved (a cheap filtered scan, a small sort).
    With the default windows (impressions 1 day, the rest 15 days) that is two passes, and the
    second one touches a fraction of the data; with one window for all kinds, one pass.
    """
    kinds = [k for k in (spec.filters.touch_kinds or TOUCH_KINDS) if k in TOUCH_KINDS]
    micros = spec.windows.micros_by_kind()
    classes = sorted({micros[k] for k in kinds})
    steps: list[Step] = []
    resolved: list[str] = []
    anchors = "(SELECT conversion_id, person, ts_us FROM st_anchor WHERE person IS NOT NULL) a"
    for i, w in enumerate(classes):
        in_pass = ", ".join(literal(k) for k in kinds if micros[k] >= w)
        right = (
            "(SELECT user_key, ts_us, touch_id, note_id, kind, win_us FROM st_touches "
            f"WHERE kind IN ({in_pass})"
        )
        if i > 0:
            prev = f"st_lt{i - 1}"
            anchors = (
                f"(SELECT conversion_id, person, ts_us FROM {prev} WHERE t_ts < ts_us - win_us) a"
            )
            right += f" AND user_key IN (SELECT person FROM {prev} WHERE t_ts < ts_us - win_us)"
        steps.append(
            Step(
                f"st_lt{i}",
                "SELECT a.conversion_id, a.person, a.ts_us, t.ts_us AS t_ts, t.touch_id, "
                f"t.note_id, t.kind AS touch_kind, t.win_us FROM {anchors} ASOF JOIN {right}) t "
                "ON a.person = t.user_key AND struct_pack(ts := a.ts_us, f := 1, id := '') >= "
                "struct_pack(ts := t.ts_us, f := 0, id := t.touch_id)",
                materialize=True,
            )
        )
        resolved.append(
            f"SELECT conversion_id AS anchor_id, touch_id, note_id, touch_kind, {num(1.0)} "
            f"AS credit FROM st_lt{i} WHERE t_ts >= ts_us - win_us"
        )
    if not classes:
        return [Step("st_credit", asof_credit_sql(spec), materialize=True)]
    return [*steps, Step("st_credit", " UNION ALL ".join(resolved), materialize=True)]


def asof_credit_sql(spec: AttributionSpec) -> str:
    """``st_credit`` for last touch / first touch / last click with ASOF joins.

    One ASOF join per distinct window length (over the touch kinds with that window, so the
    touches are sorted once in all), carrying the touch's columns: no join back to the touches.
    The ASOF inequality is on ``(ts, flag, touch_id)`` so that ties at one instant resolve by
    ``touch_id`` inside the join (largest for last touch, smallest for first touch), and the
    anchor sorts after (last touch) or before (first touch) every touch at its instant, which
    keeps touches at the conversion's instant and on the window's edge inside.
    """
    name = spec.model.name
    first = name == "first_touch"
    kinds = [k for k in (spec.filters.touch_kinds or TOUCH_KINDS) if k in TOUCH_KINDS]
    if name == "last_click":
        kinds = [k for k in kinds if k == "click"]
    micros = spec.windows.micros_by_kind()
    classes = sorted({micros[k] for k in kinds})
    cands = []
    for w in classes:
        in_class = ", ".join(literal(k) for k in kinds if micros[k] == w)
        right = (
            "(SELECT user_key, ts_us, touch_id, note_id, kind FROM st_touches "
            f"WHERE kind IN ({in_class}))"
        )
        touch_key = "struct_pack(ts := t.ts_us, f := {f}, id := t.touch_id)"
        if first:
            on = (
                f"struct_pack(ts := a.ts_us - {w}, f := 0, id := '') "
                f"<= {touch_key.format(f=1)} WHERE t.ts_us <= a.ts_us"
            )
        else:
            on = (
                f"struct_pack(ts := a.ts_us, f := 1, id := '') >= {touch_key.format(f=0)} "
                f"WHERE t.ts_us >= a.ts_us - {w}"
            )
        cands.append(
            "SELECT a.conversion_id AS anchor_id, t.ts_us AS t_ts, t.touch_id, t.note_id, "
            "t.kind AS touch_kind FROM (SELECT conversion_id, person, ts_us FROM st_anchor "
            f"WHERE person IS NOT NULL) a ASOF JOIN {right} t ON a.person = t.user_key AND {on}"
        )
    if not cands:
        return (
            "SELECT CAST(NULL AS STRING) AS anchor_id, CAST(NULL AS STRING) AS touch_id, "
            "CAST(NULL AS BIGINT) AS note_id, CAST(NULL AS STRING) AS touch_kind, "
            f"{num(1.0)} AS credit WHERE false"
        )
    if len(cands) == 1:
        chosen = f"SELECT anchor_id, touch_id, note_id, touch_kind FROM ({cands[0]}) c"
    else:
        pick = "arg_min" if first else "arg_max"
        key = "struct_pack(ts := t_ts, id := touch_id)"
        chosen = (
            f"SELECT anchor_id, {pick}(touch_id, {key}) AS touch_id, "
            f"{pick}(note_id, {key}) AS note_id, {pick}(touch_kind, {key}) AS touch_kind "
            f"FROM ({' UNION ALL '.join(cands)}) u GROUP BY anchor_id"
        )
    if name != "last_click":
        return f"SELECT *, {num(1.0)} AS credit FROM ({chosen}) c"
    return (
        "SELECT c.anchor_id, COALESCE(a.matched_click, c.touch_id) AS touch_id, "
        "CASE WHEN a.matched_click IS NULL THEN c.note_id ELSE a.matched_note END AS note_id, "
        f"'click' AS touch_kind, {num(1.0)} AS credit "
        f"FROM ({chosen}) c JOIN st_anchor a ON a.conversion_id = c.anchor_id"
    )

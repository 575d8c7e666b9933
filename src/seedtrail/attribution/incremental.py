"""Daily incremental attribution: recompute only the conversion days that new events touched.

State lives in a directory: ``credits/day=YYYY-MM-DD/part.parquet`` holds the credit rows (the
engine's output) of the conversions that happened that day (UTC), and ``state.json`` the cut-off
``as_of`` of the last run with the model and windows it used.

A run at a new cut-off ``T'`` after ``T`` sees touches with ``ts < T'`` and conversions received
before ``T'``. A day is *dirty*, and recomputed whole, when

* a conversion of that day arrived in ``[T, T')`` (late deliveries reach back days);
* a touch in ``[T, T')`` could fall in the window of a conversion of that day (from the touch's
  day to the day the longest window after it ends);
* a refund on that day belongs to a purchase on a dirty day (a refund takes its purchase's
  credits).

To recompute a set of days the engine gets their conversions, the purchases their refunds
belong to, and the touches from the longest window before the first day to the end of the last;
rows of conversions outside the set are dropped. The result equals a full recompute (tested)
for the rule-based models; Markov and Shapley learn channel weights from every path at once, so
they always need a full run. A run that stops half-way leaves ``state.json`` at the old cut-off
and the next run recomputes the same days again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from seedtrail.attribution.dialect import literal
from seedtrail.attribution.engines.base import Progress
from seedtrail.attribution.engines.duckdb import DuckDBEngine
from seedtrail.attribution.inputs import Inputs
from seedtrail.attribution.report import Source
from seedtrail.attribution.spec import AttributionSpec, ModelSpec, Windows
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

INCREMENTAL_MODELS = (
    "last_click",
    "last_touch",
    "first_touch",
    "linear",
    "position_based",
    "time_decay",
)


@dataclass(frozen=True)
class DailyResult:
    as_of: datetime
    previous: datetime | None
    days_recomputed: list[date]
    days_total: int
    rows_written: int


def _windows_json(w: Windows) -> dict[str, float]:
    return {k: getattr(w, k).total_seconds() for k in Windows.NAMES}


def _state(state_dir: Path) -> dict[str, Any] | None:
    path = state_dir / "state.json"
    data: dict[str, object] | None = json.loads(path.read_text()) if path.exists() else None
    return data


def dirty_days(
    con: duckdb.DuckDBPyConnection, previous: datetime | None, longest: timedelta
) -> list[date]:
    days = "SELECT DISTINCT CAST(ts AS DATE) AS d FROM w_conv"
    if previous is not None:
        prev = f"{literal(previous.isoformat())}::TIMESTAMPTZ"
        span = f"to_microseconds(CAST({longest.total_seconds() * 1e6!r} AS BIGINT))"
        days = (
            f"SELECT d FROM ({days}) all_days WHERE d IN (SELECT CAST(ts AS DATE) FROM w_conv "
            f"WHERE received_at >= {prev}) OR EXISTS (SELECT 1 FROM w_touches t "
            f"WHERE t.ts >= {prev} AND d BETWEEN CAST(t.ts AS DATE) "
            f"AND CAST(t.ts + {span} AS DATE))"
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE i_dirty AS {days}")
    # a refund takes its purchase's credits: refunds of purchases on dirty days are dirty too
    con.execute(
        "INSERT INTO i_dirty SELECT DISTINCT CAST(r.ts AS DATE) FROM w_conv r JOIN w_conv p "
        "ON p.order_id = r.order_id AND p.kind = 'purchase' WHERE r.kind = 'refund' "
        "AND CAST(p.ts AS DATE) IN (SELECT d FROM i_dirty) "
        "AND CAST(r.ts AS DATE) NOT IN (SELECT d FROM i_dirty)"
    )
    return [row[0] for row in con.execute("SELECT DISTINCT d FROM i_dirty ORDER BY d").fetchall()]


def _inputs(con: duckdb.DuckDBPyConnection, tmp: Path, longest: timedelta) -> Inputs:
    touches, conversions = tmp / "touches.parquet", tmp / "conversions.parquet"
    identity = tmp / "identity.parquet"
    span = f"to_microseconds(CAST({longest.total_seconds() * 1e6!r} AS BIGINT))"
    con.execute(
        "COPY (SELECT * FROM w_conv WHERE CAST(ts AS DATE) IN (SELECT d FROM i_dirty) "
        "OR (kind = 'purchase' AND order_id IN (SELECT order_id FROM w_conv WHERE kind = "
        "'refund' AND CAST(ts AS DATE) IN (SELECT d FROM i_dirty)))) "
        f"TO {literal(str(conversions))} (FORMAT PARQUET)"
    )
    con.execute(
        "COPY (SELECT * FROM w_touches WHERE "
        f"ts >= (SELECT CAST(MIN(d) AS TIMESTAMPTZ) FROM i_dirty) - {span} AND "
        "ts < (SELECT CAST(MAX(d) AS TIMESTAMPTZ) FROM i_dirty) + INTERVAL 1 DAY) "
        f"TO {literal(str(touches))} (FORMAT PARQUET)"
    )
    con.execute(
        "COPY (SELECT community_key, shop_key, partner FROM w_identity) TO "
        f"{literal(str(identity))} (FORMAT PARQUET)"
    )
    return Inputs(touches=touches, conversions=conversions, identity=identity)


def _replace_partitions(
    con: duckdb.DuckDBPyConnection, state_dir: Path, days: list[date], credits: Any
) -> int:
    out = state_dir / "credits"
    out.mkdir(parents=True, exist_ok=True)
    con.register("i_credits", credits)
    written = 0
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE i_rows AS SELECT c.*, CAST(v.ts AS DATE) AS day "
            "FROM i_credits c JOIN w_conv v ON v.event_id = c.conversion_id "
            "WHERE CAST(v.ts AS DATE) IN (SELECT d FROM i_dirty)"
        )
        for day in days:
            final = out / f"day={day.isoformat()}"
            tmp = out / f".day={day.isoformat()}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            n = con.execute("SELECT COUNT(*) FROM i_rows WHERE day = ?", [day]).fetchone()
            shutil.rmtree(final, ignore_errors=True)
            if n is None or n[0] == 0:
                continue
            tmp.mkdir()
            con.execute(
                "COPY (SELECT * EXCLUDE (day) FROM i_rows WHERE day = ? "
                f"ORDER BY conversion_id, touch_id) TO {literal(str(tmp / 'part.parquet'))} "
                "(FORMAT PARQUET)",
                [day],
            )
            tmp.rename(final)
            written += int(n[0])
    finally:
        con.unregister("i_credits")
    return written


def run_daily(
    source: Source,
    state_dir: Path,
    model: str,
    as_of: datetime,
    windows: Windows | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> DailyResult:
    """Bring the credits in ``state_dir`` up to ``as_of``: every day on the first (or a
    ``full``) run, only the dirty days after that. ``source`` is where the touches, conversions
    and identity come from: a deployment's store, lake and clean room
    (:class:`~seedtrail.attribution.deployment.Deployment`), as ``report build`` reads them."""
    say = progress or (lambda _msg: None)
    if model not in INCREMENTAL_MODELS:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.not_incremental",
                {"model": repr(model), "allowed": ", ".join(INCREMENTAL_MODELS)},
            )
        )
    windows = windows or Windows()
    state = None if full else _state(state_dir)
    previous = None
    if state is not None:
        if state["model"] != model or state["windows_s"] != _windows_json(windows):
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.incremental_windows",
                    {"path": str(state_dir), "model": state["model"]},
                )
            )
        previous = datetime.fromisoformat(state["as_of"])
        if as_of <= previous:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.as_of_not_after",
                    {"as_of": as_of.isoformat(), "previous": str(previous)},
                )
            )
    elif full:
        shutil.rmtree(state_dir / "credits", ignore_errors=True)
    con = duckdb.connect()
    try:
        source.register(con, as_of)
        say(Msg("progress.days"))
        days = dirty_days(con, previous, windows.longest)
        total = con.execute("SELECT COUNT(DISTINCT CAST(ts AS DATE)) FROM w_conv").fetchone()
        rows = 0
        if days:
            with tempfile.TemporaryDirectory(prefix="seedtrail-daily-") as tmp:
                inputs = _inputs(con, Path(tmp), windows.longest)
                say(Msg("progress.crediting_days", {"n": len(days), "model": model}))
                spec = AttributionSpec(model=ModelSpec(name=model), windows=windows)  # type: ignore[arg-type]
                with DuckDBEngine() as engine:
                    engine.run(spec, inputs)
                    credits = engine.credits()
                rows = _replace_partitions(con, state_dir, days, credits)
    finally:
        con.close()
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp_state = state_dir / "state.json.tmp"
    tmp_state.write_text(
        json.dumps(
            {"as_of": as_of.isoformat(), "model": model, "windows_s": _windows_json(windows)}
        )
    )
    tmp_state.replace(state_dir / "state.json")
    return DailyResult(as_of, previous, days, int(total[0]) if total else 0, rows)

"""Build an attribution report of a world: funnels for every model, lift, ground-truth scores.

One run reads the world once (:mod:`seedtrail.attribution.world`), runs each model on the
DuckDB engine, rolls credit up (:mod:`~seedtrail.attribution.rollup`), builds the funnels
(:mod:`~seedtrail.attribution.funnel`), the holdout lift (:mod:`~seedtrail.attribution.lift`)
and, when the world carries its truth, the scores (:mod:`~seedtrail.attribution.truth`). The
tables are written as Parquet into the report directory with a ``report.json`` describing the
run (see docs/attribution-reports.md for every file and column).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.attribution import (
    calibration,
    funnel,
    lift,
    organic,
    rollup,
    shopview,
    truth,
    world,
)
from seedtrail.attribution.engines.base import Progress
from seedtrail.attribution.engines.duckdb import DuckDBEngine
from seedtrail.attribution.inputs import Inputs
from seedtrail.attribution.runs import FORMAT_VERSION
from seedtrail.attribution.spec import (
    MODELS,
    AttributionSpec,
    Calibration,
    Filters,
    ModelSpec,
    Windows,
)
from seedtrail.attribution.store_campaigns import StoreCampaigns
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

# Each table is written sorted by the columns the API looks rows up by, so that DuckDB skips
# every 2,048-row group whose min/max statistics exclude the key asked for.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "funnel": ("model", "dimension", "key"),
    "daily": ("model", "key", "day"),
    "lift": ("key",),
    "lift_models": ("key", "model"),
    "scores": ("model",),
    "notes": ("note_id",),
    "campaigns": ("campaign_id",),
    "shop": ("model", "partner", "dimension", "key"),
}


@dataclass(frozen=True)
class ReportSpec:
    models: tuple[str, ...] = MODELS
    primary: str = "position_based"
    windows: Windows = field(default_factory=Windows)
    as_of: datetime | None = None
    touch_kinds: tuple[str, ...] | None = None  # None: every touch kind

    def __post_init__(self) -> None:
        for m in self.models:
            if m not in MODELS:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.models_some",
                        {"model": repr(m), "allowed": ", ".join(MODELS)},
                    )
                )
        if self.primary not in self.models:
            raise InvalidInput(
                Msg("problem.invalid-input.primary_model", {"model": repr(self.primary)})
            )

    def attribution(self, model: str) -> AttributionSpec:
        return AttributionSpec(
            model=ModelSpec(name=model),  # type: ignore[arg-type]
            windows=self.windows,
            filters=Filters(touch_kinds=self.touch_kinds),
        )


@dataclass
class Report:
    """The tables of one report and its description (``report.json``)."""

    meta: dict[str, Any]
    tables: dict[str, pa.Table]

    def write(self, out: Path) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            ordered = table.sort_by([(c, "ascending") for c in SORT_KEYS[name]])
            pq.write_table(ordered, out / f"{name}.parquet", row_group_size=2048)
        tmp = out / "report.json.tmp"
        tmp.write_text(json.dumps(self.meta, ensure_ascii=False, indent=2, default=str))
        tmp.replace(out / "report.json")
        return out


def credit_model(
    con: duckdb.DuckDBPyConnection,
    spec: ReportSpec,
    model: str,
    inputs: Inputs,
    lift_calibration: Calibration | None = None,
) -> str:
    """Run one model (calibrated by lift when given) on the engine and keep its keyed credits
    in ``con``."""
    run = replace(spec.attribution(model), calibration=lift_calibration)
    with DuckDBEngine() as engine:
        engine.run(run, inputs)
        credits = engine.credits()
    name = calibration.MODEL if lift_calibration is not None else model
    return rollup.register_credits(con, credits, name)


class Source(Protocol):
    """Where a report's inputs come from: :class:`~seedtrail.attribution.deployment.Deployment`
    (store, lake, clean room: what a deployment has) or a world's files
    (:class:`~seedtrail.attribution.world.WorldSource`, for tests and benchmarks)."""

    def register(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> None: ...

    def describe(self) -> dict[str, object]: ...


def _each_model(
    con: duckdb.DuckDBPyConnection,
    spec: ReportSpec,
    lifts: pa.Table,
    each: Callable[[str, str], None],
    say: Progress,
) -> dict[str, object]:
    """Credit every model of the spec in turn and hand ``(model, credit table)`` to ``each``;
    then the base model chosen by agreement with the measured lift, calibrated by it
    (:mod:`~seedtrail.attribution.calibration`), as the model ``calibrated``. Returns the
    choice and the calibration per campaign."""
    attributed: dict[str, dict[str, float]] = {}
    floors: dict[str, organic.Floor] = {}
    with tempfile.TemporaryDirectory(prefix="seedtrail-report-") as tmp:
        say(Msg("progress.preparing"))
        inputs = world.engine_inputs(con, Path(tmp))
        for model in spec.models:
            say(Msg("progress.crediting_model", {"model": model}))
            table = credit_model(con, spec, model, inputs)
            each(model, table)
            floored, floors[model] = organic.apply(con, table)
            attributed[model] = calibration.attributed_by_campaign(con, floored)
            con.execute(f"DROP TABLE {table}; DROP TABLE {floored}")
        rows = lifts.to_pylist()
        base, figures, why = calibration.choose_base(rows, attributed, spec.primary, floors)
        campaigns, pool = calibration.per_campaign(rows, attributed[base])
        say(Msg("progress.calibrating_base", {"model": base}))
        table = credit_model(con, spec, base, inputs)
        floored, _floor = organic.apply(con, table)
        done = calibration.scaled(con, floored, calibration.calibration_of(campaigns))
        each(calibration.MODEL, done)
        con.execute(f"DROP TABLE {done}; DROP TABLE {floored}; DROP TABLE {table}")
    return {
        "model": base,
        "why": why.english,
        "why_msg": why.as_dict(),
        "agreement": figures,
        "calibrated": {
            "base_model": base,
            "campaigns": campaigns,
            "pooled": pool.as_dict(),
            "floor": floors[base].as_dict(),
        },
    }


def _flag(rows: pa.Table, flags: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    """``rows`` with ``backhaul_flags``: the kinds of degraded backhaul behind each row's
    credited conversions (null when none), so every page can mark the figure."""
    if flags.num_rows == 0:
        return rows.append_column("backhaul_flags", pa.nulls(rows.num_rows, pa.string()))
    return rows.join(flags, keys=list(keys), join_type="left outer")


def _has_truth(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT COUNT(*) FROM duckdb_views() WHERE view_name = 'w_truth' AND temporary"
    ).fetchall()
    return bool(found[0][0])


def _lift_with_truth(con: duckdb.DuckDBPyConnection, spec: ReportSpec) -> pa.Table:
    lifts = lift.lift(con, spec.windows.longest.total_seconds() / 86400)
    con.register("r_lift0", lifts)
    known = _has_truth(con)
    if known:
        con.register("r_true", lift.true_incremental(con))
    else:  # a deployment knows no truth: the columns stay, empty
        con.execute(
            "CREATE OR REPLACE TEMP VIEW r_true AS SELECT NULL::VARCHAR AS key, "
            "NULL::BIGINT AS true_incremental_purchases, NULL::DOUBLE AS true_incremental_gmv "
            "WHERE FALSE"
        )
    # A world's truth is complete: a campaign that caused no purchase caused 0, not "unknown".
    none = "0" if known else "NULL"
    try:
        return con.sql(
            f"SELECT l.*, COALESCE(t.true_incremental_purchases, {none}) AS "
            f"true_incremental_purchases, COALESCE(t.true_incremental_gmv, {none}) AS "
            "true_incremental_gmv FROM r_lift0 l LEFT JOIN r_true t USING (key) ORDER BY key"
        ).to_arrow_table()
    finally:
        con.unregister("r_lift0")
        con.execute("DROP VIEW IF EXISTS r_true")


def score_world(
    world_dir: Path, spec: ReportSpec, progress: Progress | None = None
) -> tuple[list[dict[str, object]], pa.Table, dict[str, object]]:
    """Ground-truth scores per model and the lift beside the true incremental effect, on the
    world's own files."""
    return score(world.WorldSource(world.WorldDir(world_dir)), world_dir, spec, progress)


def score(
    source: Source, truth_world: Path, spec: ReportSpec, progress: Progress | None = None
) -> tuple[list[dict[str, object]], pa.Table, dict[str, object]]:
    """Score each model run on ``source`` against the truth of the simulated world it came
    from (the truth is read here only: it never enters the attribution)."""
    say = progress or (lambda _msg: None)
    con = duckdb.connect()
    try:
        source.register(con, spec.as_of)
        world.register_truth(con, world.WorldDir(truth_world))
        world.touch_keys(con)
        scores: list[dict[str, object]] = []
        say(Msg("progress.lift"))
        lifts = _lift_with_truth(con, spec)

        def each(model: str, table: str) -> None:
            scores.append(
                {**truth.score(con, model, table), **truth.campaign_gmv(con, table, lifts)}
            )

        chosen = _each_model(con, spec, lifts, each, say)
        return scores, lifts, chosen
    finally:
        con.close()


def build(
    world_dir: Path,
    spec: ReportSpec,
    progress: Progress | None = None,
    campaigns: StoreCampaigns | None = None,
    lake: Path | None = None,
) -> Report:
    """The report of a world's own files (tests, benchmarks); with ``campaigns``, campaigns and
    spend as the store has them; with ``lake``, the conversions the shops delivered there."""
    source = world.WorldSource(world.WorldDir(world_dir), campaigns, lake)
    return build_from(source, spec, progress)


def build_from(source: Source, spec: ReportSpec, progress: Progress | None = None) -> Report:
    """The report of ``source``: every model's funnel and daily series, lift, and (when the
    source carries a simulated world's truth) the scores against it."""
    say = progress or (lambda _msg: None)
    con = duckdb.connect()
    try:
        source.register(con, spec.as_of)
        world.touch_keys(con)
        funnel.front_counts(con)
        rollup.flag_conversions(con)
        funnels: list[pa.Table] = []
        dailies: list[pa.Table] = []
        shops: list[pa.Table] = []
        scores: list[dict[str, object]] = []
        scoring = _has_truth(con)

        def each(model: str, table: str) -> None:
            rows = funnel.funnel(con, rollup.rollup(con, table), model)
            funnels.append(_flag(rows, rollup.flagged(con, table), ("dimension", "key")))
            days = funnel.daily_funnel(con, rollup.daily(con, table), model)
            dailies.append(_flag(days, rollup.flagged_daily(con, table), ("key", "day")))
            shops.append(shopview.shop_funnel(con, table, model))
            if scoring:
                scores.append(truth.score(con, model, table))

        say(Msg("progress.lift"))
        lifts = _lift_with_truth(con, spec)
        chosen = _each_model(con, spec, lifts, each, say)
        all_funnels = pa.concat_tables(funnels)
        tables = {
            "funnel": all_funnels,
            "daily": pa.concat_tables(dailies),
            "lift": lifts,
            "lift_models": lift.compare(con, lifts, all_funnels),
            "scores": truth.scores_table(scores),
            "shop": pa.concat_tables(shops),
            "notes": con.sql("SELECT * FROM w_note_dims ORDER BY note_id").to_arrow_table(),
            "campaigns": con.sql(
                "SELECT campaign_id, brand_id, name, starts_at, ends_at FROM w_campaigns "
                "ORDER BY campaign_id"
            ).to_arrow_table(),
        }
    finally:
        con.close()
    described = source.describe()
    meta = {
        "format_version": FORMAT_VERSION,
        "run_id": uuid.uuid4().hex[:12],
        "created_at": datetime.now(UTC).isoformat(),
        "world": described.get("world"),
        "inputs": described,
        "as_of": spec.as_of.isoformat() if spec.as_of else None,
        "campaigns_from": described.get("campaigns_from", "store"),
        "conversions_from": described.get("conversions_from", "lake"),
        "models": [*spec.models, calibration.MODEL],
        "primary_model": chosen["model"],
        "primary_model_why": chosen["why"],
        "primary_model_why_msg": chosen["why_msg"],
        "agreement_with_lift": chosen["agreement"],
        "calibration": chosen["calibrated"],
        "touch_kinds": list(spec.touch_kinds) if spec.touch_kinds else None,
        "windows_days": {
            k: getattr(spec.windows, k).total_seconds() / 86400 for k in Windows.NAMES
        },
        "rows": {name: t.num_rows for name, t in tables.items()},
        "scores": scores,
        "lift": tables["lift"].to_pylist(),
    }
    return Report(meta, tables)

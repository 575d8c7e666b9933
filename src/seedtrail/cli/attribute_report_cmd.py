"""``seedtrail report build|score|show|daily``: attribution reports (funnels, lift) over what a
deployment holds (the store, the event lake, the clean room's matches), stored under the data
directory for the API; ``score`` compares them with a simulated world's ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from seedtrail.attribution import metrics, runs

if TYPE_CHECKING:
    from seedtrail.attribution.report import ReportSpec
from seedtrail import messages
from seedtrail.attribution.spec import MODELS, Windows, parse_duration
from seedtrail.cli.context import cli_msg, console, lang, state
from seedtrail.cli.progress import progress
from seedtrail.cli.report_text import CALIBRATION_HEADS, SCORE_HEADS, status_key
from seedtrail.core.errors import InvalidInput, one_of
from seedtrail.messages import N_, Msg

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

report_app = typer.Typer(
    help="Attribution reports: funnel, ROAS, lift and ground-truth scores.", no_args_is_help=True
)
app.add_typer(report_app, name="report")

WORLD = typer.Option(..., "--world", help="A world directory written by `seedtrail sim`.")
KINDS_OPT = typer.Option(
    None, "--touch-kinds", help="Only these touch kinds, comma-separated (e.g. read,click)."
)
#: The model a report shows first when --primary names none (and it is among those run).
DEFAULT_PRIMARY = "position_based"
MODEL_OPT = typer.Option(
    None, "--model", "-m", help=f"Models to run (repeat); default all: {', '.join(MODELS)}."
)


def _spec(
    models: list[str] | None,
    primary: str | None,
    click: str,
    read: str,
    impression: str,
    as_of: str | None,
    touch_kinds: str | None = None,
) -> ReportSpec:
    from seedtrail.attribution.report import ReportSpec

    chosen = tuple(models) if models else MODELS
    windows = Windows(
        click=parse_duration(click, what="--click-window"),
        read=parse_duration(read, what="--read-window"),
        engagement=parse_duration(read, what="--read-window"),
        impression=parse_duration(impression, what="--impression-window"),
    )
    cut = None
    if as_of:
        try:
            cut = datetime.fromisoformat(as_of)
        except ValueError as exc:
            raise InvalidInput(Msg("problem.invalid-input.as_of", {"value": repr(as_of)})) from exc
        if cut.tzinfo is None:
            cut = cut.replace(tzinfo=UTC)
    kinds = tuple(k.strip() for k in touch_kinds.split(",") if k.strip()) if touch_kinds else None
    one_of("--primary", primary, chosen)  # one of the models run, else which one shows first?
    return ReportSpec(
        touch_kinds=kinds,
        models=chosen,
        primary=primary or (DEFAULT_PRIMARY if DEFAULT_PRIMARY in chosen else chosen[0]),
        windows=windows,
        as_of=cut,
    )


@contextmanager
def _progress() -> Iterator[Any]:
    with progress(cli_msg("cli.report.starting"), count=False) as bar:
        yield lambda msg: bar.say(cli_msg("cli.report.step", step=msg))


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_scores(scores: list[dict[str, Any]]) -> None:
    cols: tuple[str, ...] = (
        "model",
        "credited_purchases",
        "true_caused_purchases",
        "wmape",
        "correlation",
        "top_notes_overlap",
        "credit_on_true_note",
        "credit_on_true_touch",
        "credit_on_uncaused",
        "campaign_gmv",
        "true_incremental_gmv",
        "campaign_gmv_error",
    )
    cols = tuple(c for c in cols if any(c in r for r in scores)) or cols[:1]
    heads = (cli_msg(SCORE_HEADS[c]) for c in cols)
    table = Table(*heads, title=cli_msg("cli.report.scores_title"))
    for row in sorted(scores, key=lambda r: r["wmape"] if r["wmape"] is not None else 1e9):
        table.add_row(*(_fmt(row.get(c), 3) for c in cols))
    console.print(table)


def print_lift(lifts: list[dict[str, Any]], attributed: dict[str, float] | None = None) -> None:
    lang_ = lang()
    table = Table(
        cli_msg("cli.report.col.campaign"),
        cli_msg("cli.report.col.ci", what=metrics.label("incremental_purchases", lang_)),
        cli_msg("cli.report.col.true"),
        cli_msg("cli.report.col.ci", what=metrics.get("incremental_gmv").heading(lang_)),
        cli_msg("cli.report.col.true_gmv"),
        metrics.label("mde", lang_),
        cli_msg("cli.report.col.power", what=metrics.label("power", lang_)),
        *(
            [cli_msg("cli.report.col.attributed"), cli_msg("cli.report.col.over_under")]
            if attributed is not None
            else []
        ),
        title=cli_msg("cli.report.lift_title"),
    )
    for r in lifts:
        extra = []
        if attributed is not None:
            got = attributed.get(r["key"])
            inc = r["incremental_purchases"]
            extra = [_fmt(got), _fmt(got / inc if got is not None and inc else None)]
        purchases = (
            f"{_fmt(r['incremental_purchases'], 1)} [{_fmt(r['incremental_purchases_ci_low'], 1)}, "
            f"{_fmt(r['incremental_purchases_ci_high'], 1)}]"
        )
        gmv = (
            f"{_fmt(r['incremental_gmv'], 0)} [{_fmt(r['incremental_gmv_ci_low'], 0)}, "
            f"{_fmt(r['incremental_gmv_ci_high'], 0)}]"
        )
        if r.get("enough_data") is False:
            purchases = gmv = cli_msg(
                "cli.report.not_enough", exposed=r["buyers_exposed"], holdout=r["buyers_holdout"]
            )
        table.add_row(
            r["key"],
            purchases,
            _fmt(r["true_incremental_purchases"]),
            gmv,
            _fmt(r["true_incremental_gmv"], 0),
            _fmt(r.get("mde_purchases")),
            _fmt(r.get("power_purchases")),
            *extra,
        )
    console.print(table)


def print_calibration(chosen: dict[str, Any]) -> None:
    """The default model, why, and the calibration by lift per campaign."""
    why = messages.render(lang(), chosen.get("why_msg") or chosen["why"])
    console.print(cli_msg("cli.report.default_model", model=chosen["model"], why=why))
    for model, f in sorted(chosen["agreement"].items()):
        floor = f.get("floor") or {}
        console.print(
            cli_msg(
                "cli.report.agreement",
                model=model,
                gap=_fmt(f.get("gap_purchases"), 1),
                error=_fmt(f["error"], 3),
                chi2=_fmt(f.get("chi2"), 1),
                n=f["campaigns"],
                kept=_fmt(floor.get("kept"), 3),
                kept_sd=_fmt(floor.get("kept_sd"), 3),
                explained=_fmt(floor.get("explained_purchases"), 1),
                off_brand=_fmt(floor.get("off_brand"), 3),
            )
        )
    cal = chosen["calibrated"]
    table = Table(
        *map(cli_msg, CALIBRATION_HEADS),
        title=cli_msg("cli.report.calibration_title", model=cal["base_model"]),
    )
    pool = cal.get("pooled")
    if pool:
        figures = {k: _fmt(pool[k], 3) for k in ("factor", "sd", "tau")}
        key = N_("cli.report.pooled_measured") if pool["measured"] else N_("cli.report.pooled")
        prior = {"prior": _fmt(pool["prior"], 1), "prior_sd": _fmt(pool["prior_sd"], 1)}
        console.print(cli_msg(key, **figures, **prior))
    for r in cal["campaigns"]:
        ci = (
            f" [{_fmt(r['calibrated_ci_low'], 1)}, {_fmt(r['calibrated_ci_high'], 1)}]"
            if r["calibrated_ci_low"] is not None
            else cli_msg("cli.report.uncalibrated")
        )
        table.add_row(
            r["campaign"],
            cli_msg(status_key(r["status"])),
            _fmt(r["attributed_purchases"], 1),
            _fmt(r.get("raw_factor"), 3),
            _fmt(r["factor"], 3),
            _fmt(r["calibrated_purchases"], 1) + ci,
        )
    console.print(table)


def print_report(report: runs.StoredReport) -> None:
    meta = report.meta
    model = meta["primary_model"]
    rows = report.query(
        "SELECT * FROM {funnel} WHERE model = ? AND dimension = 'campaign' ORDER BY key", [model]
    )
    heads = ("impressions", "reads", "clicks", "purchases", "gmv", "spend", "roas", "sample_rate")
    table = Table(
        cli_msg("cli.report.col.campaign"),
        *(metrics.get(h).heading(lang()) for h in heads),
        title=cli_msg("cli.report.funnel_title", model=model),
    )
    for r in rows:
        table.add_row(
            r["key"],
            _fmt(r["impressions"]),
            _fmt(r["reads"]),
            _fmt(r["clicks"]),
            f"{_fmt(r['purchases_scaled'], 1)} [{_fmt(r['purchases_ci_low'], 1)}, "
            f"{_fmt(r['purchases_ci_high'], 1)}]",
            _fmt(r["gmv_scaled"], 0),
            _fmt(r["spend"]),
            _fmt(r["roas"]),
            f"{_fmt(r['sample_rate_min'])}–{_fmt(r['sample_rate_max'])}",
        )
    console.print(table)
    attributed = {
        r["key"]: r["attributed_purchases"]
        for r in report.query("SELECT * FROM {lift_models} WHERE model = ?", [model])
    }
    print_lift(meta["lift"], attributed)
    if "calibration" in meta:
        print_calibration(
            {
                "model": model,
                "why": meta.get("primary_model_why", ""),
                "why_msg": meta.get("primary_model_why_msg"),
                "agreement": meta.get("agreement_with_lift", {}),
                "calibrated": meta["calibration"],
            }
        )
    print_scores(meta["scores"])


CLEANROOM_OPT = typer.Option(
    None,
    "--cleanroom",
    help="The clean room's matches (`seedtrail cleanroom match`, one folder per partner); "
    "default <data dir>/cleanroom/identity when it exists.",
)
IDENTITY_OPT = typer.Option(
    None,
    "--identity",
    help="An identity map (community_key, shop_key, partner) for an operator who owns both "
    "sides' keys; never needed when the clean room matched the parties.",
)
UNCOUNTED_OPT = typer.Option(
    False,
    "--include-uncounted-clicks",
    help="Treat bots', previewers' and repeat clicks and taps on closed links as touches too.",
)


def _deployment(
    settings: Any, store: Any, cleanroom: Path | None, identity: Path | None, uncounted: bool
) -> Any:
    from seedtrail.attribution.deployment import from_settings

    return from_settings(
        settings, store, cleanroom=cleanroom, identity=identity, uncounted_clicks=uncounted
    )


@report_app.command("build")
def build_cmd(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", help="Report directory (default: a new run under the data directory)."
    ),
    models: list[str] | None = MODEL_OPT,
    primary: str | None = typer.Option(None, "--primary", help="Model the API shows first."),
    click_window: str = typer.Option("15d", "--click-window"),
    read_window: str = typer.Option("15d", "--read-window", help="Reads and engagements."),
    impression_window: str = typer.Option("1d", "--impression-window"),
    touch_kinds: str | None = KINDS_OPT,
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Only events before this instant (touches by time, conversions by arrival).",
    ),
    publish: bool = typer.Option(
        True, "--publish/--no-publish", help="Make this the report the API serves."
    ),
    cleanroom: Path | None = CLEANROOM_OPT,
    identity: Path | None = IDENTITY_OPT,
    uncounted: bool = UNCOUNTED_OPT,
) -> None:
    """Credit every model over the store, the event lake and the clean room's matches; build
    funnels and lift; write Parquet and report.json."""
    from seedtrail.attribution.report import build_from
    from seedtrail.cli.context import open_store

    settings = state(ctx).settings
    spec = _spec(models, primary, click_window, read_window, impression_window, as_of, touch_kinds)
    with open_store(settings) as store, _progress() as say:
        source = _deployment(settings, store, cleanroom, identity, uncounted)
        report = build_from(source, spec, say)
    target = out or runs.run_dir(settings.data_dir, report.meta["run_id"])
    report.write(target)
    if publish:
        runs.publish(settings.data_dir, target)
    print_report(runs.StoredReport(target))
    key = N_("cli.report.published") if publish else N_("cli.report.written")
    console.print(cli_msg(key, run=report.meta["run_id"], path=str(target)))


@report_app.command("score")
def score_cmd(
    ctx: typer.Context,
    world: Path = WORLD,
    models: list[str] | None = MODEL_OPT,
    click_window: str = typer.Option("15d", "--click-window"),
    read_window: str = typer.Option("15d", "--read-window", help="Reads and engagements."),
    impression_window: str = typer.Option("1d", "--impression-window"),
    touch_kinds: str | None = KINDS_OPT,
    cleanroom: Path | None = CLEANROOM_OPT,
    identity: Path | None = IDENTITY_OPT,
    uncounted: bool = UNCOUNTED_OPT,
) -> None:
    """Score each model, run on this deployment's data (store, lake, clean room) as `report
    build` runs it, against the ground truth of the simulated world the data came from; and the
    lift against the true effect. The truth is read for scoring only."""
    from seedtrail.attribution.report import score
    from seedtrail.cli.context import open_store

    settings = state(ctx).settings
    spec = _spec(models, None, click_window, read_window, impression_window, None, touch_kinds)
    with open_store(settings) as store, _progress() as say:
        source = _deployment(settings, store, cleanroom, identity, uncounted)
        scores, lifts, chosen = score(source, world, spec, say)
    print_scores(scores)
    print_lift(lifts.to_pylist())
    print_calibration(chosen)


@report_app.command("show")
def show_cmd(ctx: typer.Context) -> None:
    """Print the published report."""
    report = runs.latest(state(ctx).settings.data_dir)
    if report is None:
        raise InvalidInput(Msg("problem.invalid-input.no_report"))
    print_report(report)


@report_app.command("daily")
def daily_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(..., "--as-of", help="Cut-off of this run (ISO date or time)."),
    model: str = typer.Option("position_based", "--model", "-m"),
    state_dir: Path | None = typer.Option(
        None, "--state", help="Credits and state (default: <data dir>/attribution/daily/<model>)."
    ),
    full: bool = typer.Option(False, "--full", help="Recompute every day."),
    cleanroom: Path | None = CLEANROOM_OPT,
    identity: Path | None = IDENTITY_OPT,
    uncounted: bool = UNCOUNTED_OPT,
) -> None:
    """Bring daily credit partitions up to --as-of, recomputing only the days new events touched;
    over the store, the event lake and the clean room's matches, as `report build` reads them."""
    from seedtrail.attribution.incremental import run_daily
    from seedtrail.cli.context import open_store

    settings = state(ctx).settings
    spec = _spec([model], model, "15d", "15d", "1d", as_of)
    assert spec.as_of is not None
    target = state_dir or runs.root(settings.data_dir) / "daily" / model
    with open_store(settings) as store, _progress() as say:
        source = _deployment(settings, store, cleanroom, identity, uncounted)
        result = run_daily(source, target, model, spec.as_of, full=full, progress=say)
    since = (
        cli_msg("cli.report.since", at=result.previous.isoformat())
        if result.previous
        else cli_msg("cli.report.first_run")
    )
    days = ", ".join(d.isoformat() for d in result.days_recomputed) or cli_msg("cli.report.none")
    console.print(
        cli_msg(
            "cli.report.daily",
            model=model,
            as_of=result.as_of.isoformat(),
            since=since,
            n=len(result.days_recomputed),
            total=result.days_total,
            days=days,
            rows=f"{result.rows_written:,}",
            path=str(target),
        )
    )

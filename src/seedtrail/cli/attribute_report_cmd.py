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

from seedtrail.attribution import runs

if TYPE_CHECKING:
    from seedtrail.attribution.report import ReportSpec
from seedtrail.attribution.spec import MODELS, Windows, parse_duration
from seedtrail.cli.context import cli_msg, console, state
from seedtrail.cli.progress import progress
from seedtrail.cli.report_text import print_calibration, print_lift, print_report, print_scores
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

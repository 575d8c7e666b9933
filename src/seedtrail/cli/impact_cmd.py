"""``seedtrail policy impact``: what a link policy change did (a deployment's data, difference in
differences) or would do (a simulated world run with and without it). The policy group
(:mod:`seedtrail.cli.links_cmd`) lists it."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from seedtrail import messages
from seedtrail.attribution import metrics
from seedtrail.cli.context import cli_msg, console, state
from seedtrail.cli.context import lang as cli_lang
from seedtrail.core.errors import InvalidInput, one_of
from seedtrail.impact.panel import OUTCOMES
from seedtrail.messages import Msg

OUTCOME_OPT = typer.Option(
    None, "--outcome", help=f"Figures to measure (repeat); default all: {', '.join(OUTCOMES)}."
)


def impact_cmd(
    ctx: typer.Context,
    change_id: int | None = typer.Option(
        None, "--change-id", help="Audit entry of the change (a rule change or a kill switch)."
    ),
    at: str | None = typer.Option(None, "--at", help="First day after the change (YYYY-MM-DD)."),
    treated: str | None = typer.Option(
        None, "--treated", help="Touched categories or partners, comma-separated."
    ),
    dimension: str = typer.Option("category", "--dimension", help="category or partner."),
    outcome: list[str] | None = OUTCOME_OPT,
    level: float = typer.Option(0.9, "--level", help="Interval level."),
    world_spec: str | None = typer.Option(
        None, "--world-spec", help="Simulate instead: scale=tiny,seed=1,days=30."
    ),
    change: str | None = typer.Option(
        None, "--change", help="With --world-spec: e.g. 'close category=beauty from=day15'."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    save: bool = typer.Option(
        False, "--save", help="With --world-spec: keep the result for the operator's impact page."
    ),
) -> None:
    """Estimate a policy change's effect on counted clicks and shop GMV (deployment data), or
    simulate it (--world-spec and --change): with intervals and a pre-trend check."""
    if world_spec is not None or change is not None:
        _simulated(ctx, world_spec, change, level, as_json, save)
        return
    outcomes = tuple(outcome) if outcome else OUTCOMES
    for o in outcomes:
        one_of("--outcome", o, OUTCOMES)
    report = _measure(ctx, change_id, at, treated, dimension, outcomes, level)
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=str))
        return
    print_report(report)


def _measure(
    ctx: typer.Context,
    change_id: int | None,
    at: str | None,
    treated: str | None,
    dimension: str,
    outcomes: tuple[str, ...],
    level: float,
) -> Any:
    from seedtrail.cli.context import open_store
    from seedtrail.impact import change as changes
    from seedtrail.impact.report import measure_deployment

    if (change_id is None) == (at is None and treated is None):
        raise InvalidInput(Msg("problem.invalid-input.change_choice"))
    settings = state(ctx).settings
    with open_store(settings) as store:
        if change_id is not None:
            with store.read() as conn:
                found = changes.from_audit(conn, change_id)
        else:
            if not at or not treated:
                raise InvalidInput(
                    Msg("problem.invalid-input.options_together", {"a": "--at", "b": "--treated"})
                )
            found = changes.stated(at, treated, dimension)
        return measure_deployment(settings, store, found, outcomes, level)


def _figure(lang: str, name: str, value: float | None) -> str:
    """A figure in its registered unit: money as money, a ratio with its digits, else counts."""
    m = metrics.get(name)
    if m.unit == "CNY":
        return messages.money(lang, value)
    return messages.number(lang, value, max(m.digits, 1))


def print_report(report: Any) -> None:
    lang = cli_lang()
    pct = round(report.level * 100)
    table = Table(title=cli_msg("cli.impact.title", change=report.change.description))
    table.add_column(cli_msg("cli.impact.figure"))
    table.add_column(cli_msg("cli.impact.unit"))
    for head in (
        cli_msg("cli.impact.before"),
        cli_msg("cli.impact.after"),
        cli_msg("cli.impact.counterfactual"),
        metrics.label("policy_effect", lang),
        cli_msg("cli.impact.interval", level=pct),
        metrics.label("policy_relative", lang),
        cli_msg("cli.impact.pretrend"),
    ):
        table.add_column(head, justify="right")
    for row in report.rows:
        e, o = row.estimate, row.outcome
        trend = e.pretrend
        check = (
            cli_msg("cli.impact.pretrend.ok")
            if trend is None or trend.passed
            else cli_msg("cli.impact.pretrend.fail", p=f"{trend.p_value:.2f}")
        )
        table.add_row(
            metrics.label(row.outcome, lang),
            cli_msg("cli.impact.all") if row.unit == "*" else row.unit,
            *(_figure(lang, o, v) for v in (e.before_treated, e.after_treated, e.counterfactual)),
            _figure(lang, o, e.effect),
            f"{_figure(lang, o, e.low)} … {_figure(lang, o, e.high)}",
            messages.percent(lang, e.relative),
            check,
        )
    console.print(table)
    for outcome, units in report.controls.items():
        label = metrics.label(outcome, lang)
        console.print(f"{label}: " + cli_msg("cli.impact.controls", units=", ".join(units)))


def _simulated(
    ctx: typer.Context,
    world_spec: str | None,
    change: str | None,
    level: float,
    as_json: bool,
    save: bool,
) -> None:
    from seedtrail.impact import simulated

    if not world_spec or not change:
        raise InvalidInput(
            Msg("problem.invalid-input.options_together", {"a": "--world-spec", "b": "--change"})
        )
    if save:  # an unready store refuses before minutes of simulation, not after
        from seedtrail.cli.context import open_store

        with open_store(state(ctx).settings):
            pass
    result = simulated.run(world_spec, change, level)
    if save:
        _save(ctx, world_spec, change, result.to_dict())
    if as_json:
        console.print_json(json.dumps(result.to_dict(), default=str))
        return
    print_simulated(result)


def _save(ctx: typer.Context, world_spec: str, change: str, result: dict[str, object]) -> None:
    """Keep the study under the data directory and audit who kept it."""
    from seedtrail.cli.context import open_store
    from seedtrail.cli.store_cmd import cli_actor
    from seedtrail.impact import studies
    from seedtrail.store import audit

    settings = state(ctx).settings
    actor = cli_actor().name
    with open_store(settings) as store, store.transaction() as conn:  # refuses an unready store
        study = studies.save(
            settings.data_dir, {**result, "world_spec": world_spec, "stated": change}, actor=actor
        )
        audit.record(
            conn,
            actor=actor,
            action="impact.study",
            object_type="impact_study",
            object_id=study["id"],
            after={"world_spec": world_spec, "change": change},
        )
    console.print(cli_msg("cli.impact.saved", id=study["id"]))


def print_simulated(result: Any) -> None:
    lang = cli_lang()
    pct = round(result.level * 100)
    title = cli_msg("cli.impact.sim.title", change=result.change.describe(), runs=len(result.seeds))
    table = Table(title=title)
    table.add_column(cli_msg("cli.impact.figure"))
    table.add_column(cli_msg("cli.impact.unit"))
    for head in (
        cli_msg("cli.impact.sim.without"),
        cli_msg("cli.impact.sim.with"),
        metrics.label("policy_effect", lang),
        cli_msg("cli.impact.interval", level=pct),
    ):
        table.add_column(head, justify="right")
    for row in result.rows:
        o = row["figure"]
        interval = (
            "—"
            if row["low"] is None
            else f"{_figure(lang, o, row['low'])} … {_figure(lang, o, row['high'])}"
        )
        scope = cli_msg("cli.impact.sim.total") if row["scope"] == "all" else row["scope"]
        table.add_row(
            metrics.label(o, lang),
            scope,
            *(_figure(lang, o, row[k]) for k in ("without", "with", "difference")),
            interval,
        )
    console.print(table)
    if not result.own_shop:
        console.print(cli_msg("cli.impact.sim.no_own_shop"))

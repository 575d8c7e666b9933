"""``seedtrail attribute``: credit conversions to the notes whose touches led to them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from seedtrail.cli.context import cli_msg, console
from seedtrail.cli.progress import progress
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import N_, Msg

if TYPE_CHECKING:
    from seedtrail.attribution.inputs import Inputs

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

MODEL_HELP = (
    "last_click, last_touch, first_touch, linear, position_based, time_decay, markov, shapley"
)


@app.command("attribute")
def attribute_cmd(
    touches: Path | None = typer.Option(
        None, "--touches", help="Touches: Parquet/CSV file or directory of Parquet files."
    ),
    conversions: Path | None = typer.Option(None, "--conversions", help="Conversions file."),
    identity: Path | None = typer.Option(
        None, "--identity", help="Identity map (community_key, shop_key[, partner])."
    ),
    lake: Path | None = typer.Option(
        None, "--lake", help="Read touches and conversions from an event lake (or data dir)."
    ),
    world: Path | None = typer.Option(None, "--world", help="Read a `seedtrail sim` world."),
    model: str = typer.Option("last_touch", "--model", help=MODEL_HELP),
    click_window: str = typer.Option("15d", "--click-window", help="1h to 30d."),
    read_window: str = typer.Option("15d", "--read-window", help="1h to 30d."),
    engagement_window: str = typer.Option(
        "15d", "--engagement-window", help="Likes, collects, comments, shares, follows."
    ),
    impression_window: str = typer.Option("1d", "--impression-window", help="1h to 30d."),
    half_life: str = typer.Option("7d", "--half-life", help="time_decay half-life."),
    markov_order: int = typer.Option(1, "--markov-order", help="markov: 1, 2 or 3."),
    channel: str = typer.Option(
        "kind",
        "--channel",
        help="markov/shapley channel: placement, kind, creator_tier, campaign_id.",
    ),
    engine_name: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    out: Path = typer.Option(..., "--out", help="Credits file (.parquet or .csv)."),
    top: int = typer.Option(10, "--top", help="Notes shown in the summary table."),
) -> None:
    """Credit conversions to touches (one row per conversion and credited touch) and write a
    per-note summary beside --out (x.parquet -> x.summary.parquet)."""
    from seedtrail.attribution.engines import open_engine
    from seedtrail.attribution.spec import (
        AttributionSpec,
        ModelSpec,
        Windows,
        parse_duration,
    )

    inputs = _inputs(touches, conversions, identity, lake, world)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InvalidInput(Msg("problem.invalid-input.out_suffix", {"path": str(out)}))
    spec = AttributionSpec(
        model=ModelSpec(
            name=model,  # type: ignore[arg-type]
            half_life=parse_duration(half_life, what="--half-life"),
            markov_order=markov_order,
            channel=channel,
        ),
        windows=Windows(
            click=parse_duration(click_window, what="--click-window"),
            read=parse_duration(read_window, what="--read-window"),
            engagement=parse_duration(engagement_window, what="--engagement-window"),
            impression=parse_duration(impression_window, what="--impression-window"),
        ),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with progress(cli_msg("cli.attribute.starting", engine=engine_name), count=False) as bar:

        def say(message: Msg | str) -> None:
            bar.say(cli_msg("cli.attribute.step", step=message))

        with open_engine(engine_name) as engine:
            engine.run(spec, inputs, progress=say)
            say(cli_msg("cli.attribute.writing"))
            credits_path, summary_path = engine.write_outputs(out)
            summary = engine.summary().to_pylist()
            weights = dict(engine.channel_weights)
        say(cli_msg("cli.attribute.done", seconds=f"{time.perf_counter() - started:.1f}"))
    _print_summary(summary, weights, spec.model.name, top)
    console.print(
        cli_msg("cli.attribute.files", credits=str(credits_path), summary=str(summary_path))
    )


#: The columns of the summary table.
COLUMNS = (
    *(N_("cli.attribute.col.note"), N_("cli.attribute.col.purchases")),
    *(N_("cli.attribute.col.purchases_scaled"), N_("cli.attribute.col.gmv_scaled")),
    N_("cli.attribute.col.rate"),
)


def _print_summary(
    rows: list[dict[str, object]], weights: dict[str, float], model: str, top: int
) -> None:
    def f(x: object) -> float:
        return float(x) if isinstance(x, int | float) else 0.0

    rows = sorted(rows, key=lambda r: -f(r["gmv_scaled"]))
    table = Table(
        *map(cli_msg, COLUMNS), title=cli_msg("cli.attribute.title", model=model, n=len(rows))
    )
    for r in rows[:top]:
        lo, hi = f(r["sample_rate_min"]), f(r["sample_rate_max"])
        rate = f"{lo:.2f}" if lo == hi else f"{lo:.2f}-{hi:.2f}"
        table.add_row(
            str(r["note_id"]),
            f"{f(r['purchases']):.2f}",
            f"{f(r['purchases_scaled']):.2f} ({f(r['purchases_ci_low']):.2f}, "
            f"{f(r['purchases_ci_high']):.2f})",
            f"{f(r['gmv_scaled']):,.2f} ({f(r['gmv_ci_low']):,.2f}, {f(r['gmv_ci_high']):,.2f})",
            rate,
        )
    console.print(table)
    if weights:
        shown = ", ".join(f"{c}={w:.4f}" for c, w in sorted(weights.items()))
        console.print(cli_msg("cli.attribute.weights", weights=shown))


def _inputs(
    touches: Path | None,
    conversions: Path | None,
    identity: Path | None,
    lake: Path | None,
    world: Path | None,
) -> Inputs:
    """The files to attribute: given one by one, or read from a lake or a sim world."""
    from seedtrail.attribution.inputs import Inputs, from_lake, from_world

    if lake is not None and world is not None:
        raise InvalidInput(Msg("problem.invalid-input.lake_or_world"))
    if world is not None:
        if touches or conversions:
            raise InvalidInput(Msg("problem.invalid-input.own_inputs", {"option": "--world"}))
        inputs = from_world(world)
        return inputs if identity is None else Inputs(inputs.touches, inputs.conversions, identity)
    if lake is not None:
        if touches or conversions:
            raise InvalidInput(Msg("problem.invalid-input.own_inputs", {"option": "--lake"}))
        return from_lake(lake, identity)
    if touches is None or conversions is None:
        raise InvalidInput(Msg("problem.invalid-input.inputs_needed"))
    return Inputs(touches, conversions, identity)

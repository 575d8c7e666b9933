"""``seedtrail sim``: generate a deterministic demo world as Parquet files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from seedtrail.cli.context import cli_msg, console
from seedtrail.cli.progress import progress
from seedtrail.core.errors import SimError
from seedtrail.messages import Msg

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

sim_app = typer.Typer(help="Simulate a demo world: community, shops, boosts, bad actors, truth.")
app.add_typer(sim_app, name="sim")


@sim_app.callback(invoke_without_command=True)
def simulate(
    ctx: typer.Context,
    seed: int = typer.Option(7, "--seed", help="Same seed, same bytes."),
    scale: str = typer.Option(
        "small", "--scale", help="tiny|demo|small|medium|large, or a .toml/.json spec file."
    ),
    days: int | None = typer.Option(None, "--days", min=1, help="Days to simulate."),
    out: Path | None = typer.Option(None, "--out", help="Output directory."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty directory."),
    load: bool = typer.Option(False, "--load", help="Also load the entities into the store."),
) -> None:
    """Generate a world into --out (run `seedtrail sim --help` for the options)."""
    if ctx.invoked_subcommand is not None:
        return
    from seedtrail.sim.runner import generate
    from seedtrail.sim.spec import load_spec

    if out is None:
        raise SimError(Msg("problem.sim-error.out_required"))
    if out.exists() and any(out.iterdir()) and not force:
        raise SimError(Msg("problem.sim-error.out_not_empty", {"path": str(out)}))
    spec = load_spec(scale).with_days(days)
    label = cli_msg("cli.sim.simulating", name=spec.name, days=spec.days)
    with progress(label, count=False, extra=cli_msg("cli.sim.rows")) as bar:

        def tick(done: int, total: int, rows: int) -> None:
            bar.update(done, total, rows=rows)

        summary = generate(spec, seed, out, tick)
    heads = cli_msg("cli.sim.file"), cli_msg("cli.sim.rows_col")
    title = cli_msg("cli.sim.title", name=spec.name, seed=seed, out=str(out))
    table = Table(*heads, title=title)
    for name, rows in sorted(summary.rows.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    rate = f"[bold]{summary.events_per_second:,.0f}[/]"
    console.print(
        cli_msg(
            "cli.sim.speed",
            events=f"{summary.events:,}",
            seconds=f"{summary.seconds:.1f}",
            rate=rate,
        )
    )
    if load:
        _load(ctx, out)


@sim_app.command("load")
def load_cmd(
    ctx: typer.Context, world_dir: Path = typer.Argument(..., help="A directory from `sim`.")
) -> None:
    """Load a generated world's accounts, notes, partners, offers, links and campaigns."""
    _load(ctx, world_dir)


def _load(ctx: typer.Context, world_dir: Path) -> None:
    import json

    from seedtrail.cli.context import open_store
    from seedtrail.sim.load import load_world

    manifest = world_dir / "manifest.json"
    if not manifest.exists():
        raise SimError(Msg("problem.sim-error.no_manifest", {"path": str(manifest)}))
    seed = int(json.loads(manifest.read_text("utf-8"))["seed"])
    with open_store(ctx) as store:
        counts = load_world(store, world_dir, seed)
    loaded = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    console.print(cli_msg("cli.sim.loaded", what=loaded))

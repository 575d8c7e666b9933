"""``seedtrail validate coverage``: do the report's intervals cover the truth as they claim?"""

from __future__ import annotations

import typer

from seedtrail.cli.context import cli_msg, console
from seedtrail.cli.progress import progress

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

validate_app = typer.Typer(help="Check seedtrail's figures against simulated worlds' truth.")
app.add_typer(validate_app, name="validate")


@validate_app.command("coverage")
def coverage_cmd(
    seeds: int = typer.Option(20, "--seeds", min=1, max=100_000, help="Worlds to simulate."),
    scale: str = typer.Option("tiny", "--scale", help="tiny|demo|small|..., or a spec file."),
    first_seed: int = typer.Option(1, "--first-seed", help="Seed of the first world."),
) -> None:
    """Simulate N worlds and print, per interval kind, the share of intervals that cover the
    truth: `coverage <kind> <fraction> (<N> worlds, <M> intervals)`. 95% intervals: aim 0.95."""
    from seedtrail.validate import coverage

    with progress(cli_msg("cli.validate.worlds"), total=seeds) as bar:
        result = coverage.run(seeds, scale, first_seed, lambda done, n: bar.update(done, n))
    console.print(cli_msg("cli.validate.heading"), highlight=False, soft_wrap=True)
    # `coverage <kind> <fraction> (<N> worlds, <M> intervals)` is a machine line, the same in
    # every language (docs/attribution-reports.md); the last line is for people.
    for line in result.lines()[:-1]:
        console.print(line, highlight=False, soft_wrap=True)
    console.print(cli_msg("cli.validate.malformed", n=result.malformed), highlight=False)

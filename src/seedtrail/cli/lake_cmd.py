"""``seedtrail lake seal|stats|compact``: the Parquet event lake."""

from __future__ import annotations

from functools import partial

import typer
from rich.table import Table

from seedtrail import messages
from seedtrail.cli.context import cli_msg, console, lang, open_store, state
from seedtrail.cli.progress import progress
from seedtrail.contracts import BACK_KINDS, FRONT_KINDS
from seedtrail.core.errors import one_of
from seedtrail.intake import sealer
from seedtrail.lake import lock
from seedtrail.lake.compact import compact
from seedtrail.lake.layout import Lake
from seedtrail.lake.stats import stats
from seedtrail.links.mover import ClickMover
from seedtrail.messages import N_

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

#: The lake's types: every event kind, front-link (clicks among them) and back-link.
TYPES = (*FRONT_KINDS, *BACK_KINDS)
TYPE_OPT = typer.Option(None, "--type", help="One event type.")

lake_app = typer.Typer(help="The Parquet event lake.", no_args_is_help=True)
app.add_typer(lake_app, name="lake")


@lake_app.command("seal")
def seal_cmd(ctx: typer.Context) -> None:
    """Move acknowledged events from the inbox into the lake (one sealer at a time). Clicks
    still in the click segments of servers that stopped (or died) are copied into the store
    first; a running server's mover copies its own."""
    settings = state(ctx).settings
    with open_store(ctx) as store:
        moved = ClickMover(store.engine, settings.data_dir / "clicks").move_once().moved
        if moved:
            console.print(cli_msg("cli.lake.copied", n=moved))
        with progress(cli_msg("cli.lake.sealing"), sized=True) as bar:  # sized by the sealer
            report = sealer.seal(
                store, Lake(settings.effective_lake_url), settings.data_dir, progress=bar.advance
            )
    console.print(
        cli_msg(
            "cli.lake.sealed",
            read=report.read,
            written=report.written,
            files=len(report.files),
            duplicates=report.duplicates,
        )
    )


@lake_app.command("stats")
def stats_cmd(ctx: typer.Context, type_: str | None = TYPE_OPT) -> None:
    """Files, rows and bytes per event type and day."""
    one_of("--type", type_, TYPES)
    lake = Lake(state(ctx).settings.effective_lake_url)
    heads = [N_("cli.lake.col.type"), N_("cli.lake.col.day"), N_("cli.lake.col.files")]
    heads += [N_("cli.lake.col.rows"), N_("cli.lake.col.bytes")]
    table = Table(*map(cli_msg, heads), title=cli_msg("cli.lake.title", url=lake.url))
    rows = stats(lake, type_)
    count = partial(messages.number, lang())  # counts as every CLI table shows them, grouped
    for s in rows:
        table.add_row(s.type, s.day, count(s.files), count(s.rows), count(s.bytes))
    totals = (sum(s.files for s in rows), sum(s.rows for s in rows), sum(s.bytes for s in rows))
    table.add_row(cli_msg("cli.lake.total"), "", *map(count, totals), style="bold")
    console.print(table)


@lake_app.command("compact")
def compact_cmd(
    ctx: typer.Context,
    type_: str | None = TYPE_OPT,
    min_files: int = typer.Option(2, "--min-files", min=2),
) -> None:
    """Merge each partition's files into one, dropping repeated event ids."""
    one_of("--type", type_, TYPES)
    settings = state(ctx).settings
    lake = Lake(settings.effective_lake_url)
    parts = lake.partitions(type_)
    with (
        open_store(settings) as store,
        lock.exclusive(store.engine, settings.data_dir, "compactor"),
        progress(cli_msg("cli.lake.compacting"), total=len(parts)) as bar,
    ):
        report = compact(lake, type_=type_, min_files=min_files, progress=lambda _: bar.advance())
    console.print(
        cli_msg(
            "cli.lake.compacted",
            partitions=report.partitions,
            before=report.files_before,
            after=report.files_after,
            duplicates=report.duplicates,
        )
    )

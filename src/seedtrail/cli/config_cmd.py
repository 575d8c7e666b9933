"""``seedtrail config``: show the effective settings (secrets redacted)."""

from __future__ import annotations

import typer
from rich.table import Table

from seedtrail.cli.context import cli_msg, console, state

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()


@app.command("config")
def show_config(ctx: typer.Context) -> None:
    """Show the effective settings and where the database lives."""
    settings = state(ctx).settings
    heads = cli_msg("cli.config.setting"), cli_msg("cli.config.value")
    table = Table(*heads, title=cli_msg("cli.config.title"))
    for name, value in settings.model_dump().items():
        shown = "********" if "secret" in name and value is not None else str(value)
        table.add_row(name, shown)
    table.add_row("effective_database_url", _redact_url(settings.effective_database_url))
    console.print(table)


def _redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

"""Entry point of the ``seedtrail`` command."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
import typer.main
from rich.markup import escape

from seedtrail import __version__
from seedtrail.cli import (
    attribute_cmd,
    attribute_report_cmd,
    buyers_cmd,
    cases_cmd,
    cleanroom_cmd,
    config_cmd,
    demo_cmd,
    helptext,
    intake_cmd,
    integrity_cmd,
    lake_cmd,
    links_cmd,
    sim_cmd,
    store_cmd,
    usage,
    validate_cmd,
)
from seedtrail.cli.context import CliState, cli_msg, err_console
from seedtrail.cli.context import lang as cli_lang
from seedtrail.core.errors import SeedtrailError

app = typer.Typer(
    name="seedtrail",
    help="seedtrail: shoppable links for content communities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", help="TOML settings file."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory."),
    database_url: str | None = typer.Option(None, "--database-url", help="Database URL."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    ctx.obj = CliState(
        config_file=config, data_dir=data_dir, database_url=database_url, debug=debug
    )


@app.command()
def version() -> None:
    """Print the seedtrail version."""
    typer.echo(__version__)


#: Every command module's Typer app, one per capability; their commands and groups join the root.
COMMANDS = (
    store_cmd,  # init, serve, keys, one group per store noun
    links_cmd,  # mounts, policy, rotate-secret, audit, clicks
    config_cmd,
    demo_cmd,
    sim_cmd,
    intake_cmd,  # import, health
    lake_cmd,
    attribute_cmd,
    attribute_report_cmd,  # report
    buyers_cmd,  # buyers statement
    cleanroom_cmd,
    integrity_cmd,
    cases_cmd,
    validate_cmd,
)
for _module in COMMANDS:
    app.add_typer(_module.app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors print one clear line (a traceback only with --debug)."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Without standalone mode click returns, rather than raises, the code of `typer.Exit(n)`.
        command = typer.main.get_command(app)
        helptext.localize(command, cli_lang())
        code = command(args=args, standalone_mode=False)
    except SeedtrailError as exc:
        if debug:
            raise
        # the label and its separator come with the message ("错误：…", "error: …"), in bold red
        said = cli_msg("cli.error", message="[/]" + escape(exc.detail_in(cli_lang())))
        err_console.print("[bold red]" + said, highlight=False)
        sys.exit(2)
    except (KeyboardInterrupt, EOFError):
        err_console.print("[yellow]" + cli_msg("cli.interrupted") + "[/]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("[yellow]" + cli_msg("cli.aborted") + "[/]")
        sys.exit(1)
    except Exception as exc:  # click usage errors and the unexpected
        import click

        # typer vendors its own click: its usage errors are typer.TyperException, not click's
        if isinstance(exc, click.ClickException | typer.TyperException) and hasattr(exc, "show"):
            if hasattr(exc, "format_message") and hasattr(exc, "ctx"):  # a usage error
                for line in usage.lines(exc, cli_lang()):
                    err_console.print(line, markup=False, highlight=False)
            else:
                exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        if debug:
            raise
        error = "[/]" + escape(f"{type(exc).__name__}: {exc}")
        said = cli_msg("cli.internal_error", error=error, hint=cli_msg("cli.debug_hint"))
        err_console.print("[bold red]" + said, highlight=False)
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)

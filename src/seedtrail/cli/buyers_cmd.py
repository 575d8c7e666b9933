"""``seedtrail buyers statement``: a buyer's (买手) commission statement for a period."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.table import Table

from seedtrail.attribution import commission, metrics
from seedtrail.cli.context import cli_msg, console, open_store, state
from seedtrail.cli.context import lang as cli_lang

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()
buyers_app = typer.Typer(
    help="Buyers: community members who sell through links.", no_args_is_help=True
)
app.add_typer(buyers_app, name="buyers")

#: Statement columns and the registry figure each shows (None: the partner's slug).
COLUMNS = (
    ("partner", None),
    ("orders", "buyer_orders"),
    ("gmv", "buyer_gmv"),
    ("refunds", "buyer_refunds"),
    ("refunded", "gmv"),
    ("net_gmv", "gmv"),
    ("commission_due", "commission_due"),
)


def _heading(key: str, metric: str | None, lang: str) -> str:
    if metric is None:
        return cli_msg("buyers.col.partner")
    if key in ("refunded", "net_gmv"):
        return cli_msg(f"buyers.col.{key}")
    return metrics.get(metric).heading(lang)


@buyers_app.command("statement")
def statement_cmd(
    ctx: typer.Context,
    buyer: int = typer.Argument(..., help="The buyer's account id."),
    since: str = typer.Option(..., "--since", help="First day of the period (YYYY-MM-DD, UTC)."),
    until: str = typer.Option(..., "--until", help="Last day, included (YYYY-MM-DD, UTC)."),
    as_json: bool = typer.Option(False, "--json", help="Print the statement as JSON."),
) -> None:
    """Orders, GMV, refunds and commission due of a buyer's links, per partner and in total
    (the same statement as GET /buyers/{id}/commission)."""
    settings = state(ctx).settings
    first, last = _day(since, "--since"), _day(until, "--until")
    with open_store(ctx) as store, store.read() as conn:
        got = commission.statement(conn, settings.effective_lake_url, buyer, first, last)
    if as_json:
        typer.echo(json.dumps(got, ensure_ascii=False, indent=2))
        return
    lang = cli_lang()
    rate = got["commission_rate"]
    title = cli_msg(
        "buyers.title",
        handle=got["buyer"]["handle"],
        since=got["period"]["since"],
        until=got["period"]["until"],
        rate=f"{rate:.1%}",
    )
    table = Table(*(_heading(k, m, lang) for k, m in COLUMNS), title=title)
    for row in [*got["partners"], {**got["total"], "partner": cli_msg("buyers.total")}]:
        table.add_row(*(_cell(row[k]) for k, _ in COLUMNS))
    console.print(table)
    console.print(cli_msg("buyers.note", clicks=got["counted_clicks"], days=got["window_days"]))


def _cell(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            cli_msg("buyers.bad_day", value=value), param_hint=option
        ) from None

"""``seedtrail init``, ``keys`` and one command group per store noun (create/list/show/update).

Values are given as ``field=value`` pairs (lists and objects as JSON; the models coerce
numbers and true/false) and validated by the same models and rules as the API.
The CLI acts as an operator."""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from datetime import datetime
from functools import partial

import typer
from rich.table import Table

from seedtrail import messages
from seedtrail.cli.context import cli_msg, console, lang, open_store
from seedtrail.core import principals, resources
from seedtrail.core.errors import InvalidInput, validated
from seedtrail.core.resources import Resource
from seedtrail.messages import Msg, term
from seedtrail.store import migrate, paging
from seedtrail.web.views import case_text

#: The longest list or object a table cell shows (JSON, cut with …).
COMPACT = 80
#: The widest a column of a list grows (a note's body would take the width of the others).
MAX_CELL = 32

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()


def cli_actor() -> principals.Principal:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "cli"
    return principals.Principal(id=0, name=f"cli:{user}", role="operator")


def parse_pairs(pairs: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(Msg("problem.invalid-input.pair", {"value": repr(pair)}))
        if raw[:1] in ("[", "{"):
            try:
                out[key] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    Msg("problem.invalid-input.pair_json", {"field": key, "why": exc.msg})
                ) from None
        else:
            out[key] = None if raw == "null" else raw  # the models coerce numbers and booleans
    return out


def heading(column: str) -> str:
    """A table column's heading: in English the field's name (as in ``--json``), in another
    language the dashboard's heading of that column (``col.<name>``) where it has one."""
    reader = lang()
    key = f"col.{column}"
    return (
        messages.translate(reader, key) if reader != "en" and messages.has(reader, key) else column
    )


def cell(column: str, value: object, terms: Mapping[str, str] | None = None) -> str:
    """A stored value as the dashboard's tables show it (``web/templates/macros.html``), in the
    terminal's language: a word of a family (``terms``: column → family) by its label, a time
    and a count in the locale's format, ✓ / ✗ for yes and no, a dash for nothing, JSON for a
    list or object."""
    reader = lang()
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if terms and column in terms and isinstance(value, str):
        return case_text.term(partial(messages.translate, reader), terms[column], value)
    if isinstance(value, datetime):
        return messages.when(reader, value)
    if isinstance(value, int) and not (column == "id" or column.endswith("_id")):
        return messages.number(reader, value)  # a count, grouped; an id as it is
    if isinstance(value, dict | list):
        return messages.compact(value, limit=COMPACT)
    return str(value)


def show_rows(
    rows: list[dict[str, object]],
    as_json: bool,
    title: str,
    terms: Mapping[str, str] | None = None,
) -> None:
    """Rows as JSON (stored values, for scripts), else as a table for people (:func:`cell`);
    one object (``show``, ``create``, ``update``) as a table of its fields."""
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    if not rows:
        console.print("[dim]" + cli_msg("cli.store.none", what=title) + "[/]")
        return
    if len(rows) == 1:
        table = Table(cli_msg("cli.store.field"), cli_msg("cli.store.value"), title=title)
        for column, value in rows[0].items():
            table.add_row(heading(column), cell(column, value, terms))
    else:
        table = Table(title=title)
        for column in rows[0]:  # no column takes the width of the others
            table.add_column(heading(column), max_width=MAX_CELL, overflow="fold")
        for row in rows:
            table.add_row(*(cell(k, v, terms) for k, v in row.items()))
    console.print(table)


@app.command()
def init(
    ctx: typer.Context,
    operator_key: str | None = typer.Option(
        None, help="Also create an operator API key with this name (printed once)."
    ),
) -> None:
    """Create or upgrade the database schema."""
    with open_store(ctx, check=False) as store:
        before, after = migrate.upgrade(store.engine)
        url = store.engine.url.render_as_string(hide_password=True)
        if before == after:
            console.print(cli_msg("cli.store.schema_current", version=after, url=url))
        else:
            before_text = before or cli_msg("cli.store.schema_empty")
            console.print(
                cli_msg("cli.store.schema_upgraded", before=before_text, version=after, url=url)
            )
        if operator_key:
            with store.transaction() as conn:
                _, key = principals.create(conn, name=operator_key, role="operator")
            console.print(cli_msg("cli.store.operator_key", secret=f"[bold]{key}[/]"))


keys_app = typer.Typer(
    help="API keys per principal (operator, brand, creator, partner, moderator).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    name: str = typer.Option(...),
    role: str = typer.Option(...),
    account_id: int | None = None,
    partner_id: int | None = None,
) -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    with open_store(ctx) as store, store.transaction() as conn:
        principal, key = principals.create(
            conn, name=name, role=role, account_id=account_id, partner_id=partner_id
        )
    console.print(cli_msg("cli.store.key", who=principal.label, secret=f"[bold]{key}[/]"))


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, principal_id: int) -> None:
    with open_store(ctx) as store, store.transaction() as conn:
        principals.revoke(conn, principal_id)
    console.print(cli_msg("cli.store.key_revoked", id=principal_id))


def _noun(res: Resource) -> str:
    """One of the resource's objects, in the terminal's language (``object.<noun>``)."""
    return messages.render(lang(), term("object", res.noun))


def _name(res: Resource) -> str:
    return messages.render(lang(), term("resource", res.name))


def resource_commands(res: Resource, *, create: bool = True, update: bool = True) -> typer.Typer:
    group = typer.Typer(help=f"Create, list and change {res.name}.", no_args_is_help=True)

    if create:

        @group.command("create")
        def create_cmd(
            ctx: typer.Context, pairs: list[str] = typer.Argument(help="field=value ...")
        ) -> None:
            body = validated(res.create_model, parse_pairs(pairs))
            with open_store(ctx) as store, store.transaction() as conn:
                row = resources.create(conn, res, cli_actor(), body)
            show_rows(
                [res.present(row)], False, cli_msg("cli.store.created", what=_noun(res)), res.terms
            )

    @group.command("list")
    def list_cmd(
        ctx: typer.Context,
        where: list[str] = typer.Option([], "--where", help="field=value filter"),
        limit: int = typer.Option(100, min=1, max=paging.MAX_LIMIT),
        offset: int = typer.Option(0, min=0),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        with open_store(ctx) as store, store.read() as conn:
            rows = resources.list_rows(
                conn, res, cli_actor(), parse_pairs(where), limit=limit, offset=offset
            )
        show_rows([res.present(r) for r in rows], as_json, _name(res), res.terms)

    @group.command("show")
    def show_cmd(
        ctx: typer.Context, ident: int, as_json: bool = typer.Option(False, "--json")
    ) -> None:
        with open_store(ctx) as store, store.read() as conn:
            row = resources.get(conn, res, cli_actor(), ident)
        show_rows([res.present(row)], as_json, _noun(res), res.terms)

    if update:

        @group.command("update")
        def update_cmd(
            ctx: typer.Context,
            ident: int,
            pairs: list[str] = typer.Argument(help="field=value ..."),
        ) -> None:
            body = validated(res.update_model, parse_pairs(pairs))
            with open_store(ctx) as store, store.transaction() as conn:
                row = resources.update(conn, res, cli_actor(), ident, body)
            show_rows(
                [res.present(row)], False, cli_msg("cli.store.updated", what=_noun(res)), res.terms
            )

    return group

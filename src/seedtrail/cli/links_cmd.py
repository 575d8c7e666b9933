"""Link commands: mounts under the policy, the kill switch, partner secrets, audit, clicks, and
``seedtrail serve``."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import typer
from sqlalchemy import select

from seedtrail import messages
from seedtrail.cli.context import cli_msg, console, open_store, state
from seedtrail.cli.context import lang as cli_lang
from seedtrail.cli.impact_cmd import impact_cmd
from seedtrail.cli.store_cmd import (
    COMPACT,
    cli_actor,
    parse_pairs,
    resource_commands,
    show_rows,
)
from seedtrail.community import collabs
from seedtrail.core import principals
from seedtrail.core.catalog import CRUD
from seedtrail.core.errors import one_of, validated
from seedtrail.links import mounts, partners
from seedtrail.links.policy import DecisionJSON
from seedtrail.messages import N_, term
from seedtrail.store import audit, paging
from seedtrail.store.schema import clicks

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

groups = {res.name: resource_commands(res) for res in CRUD}
for _name, _group in groups.items():
    app.add_typer(_group, name=_name)


@groups["collabs"].command("accept")
def collab_accept(
    ctx: typer.Context,
    ident: int,
    key: str = typer.Option(
        ...,
        envvar="SEEDTRAIL_KEY",
        prompt="the creator's API key",
        hide_input=True,
        help="The creator's API key (env SEEDTRAIL_KEY; prompted, hidden, when absent).",
    ),
) -> None:
    """Accept a brand's collab registration as the creator it names (audited); only then does
    it count for mounts and campaigns."""
    with open_store(ctx) as store:
        with store.read() as conn:
            creator = principals.authenticate(conn, key)
        with store.transaction() as conn:
            row = collabs.accept(conn, creator, ident)
    console.print(
        cli_msg("cli.links.collab_accepted", id=ident, who=creator.label, at=row["accepted_at"])
    )


mounts_app = resource_commands(mounts.RESOURCE, create=False, update=False)
app.add_typer(mounts_app, name="mounts")


@mounts_app.command("create")
def mount_create(
    ctx: typer.Context,
    pairs: list[str] = typer.Argument(help="placement=note_card offer_id=1 note_id=2 ..."),
) -> None:
    """Mount a link; the policy decides and its reasons are printed either way."""
    body = validated(mounts.MountIn, parse_pairs(pairs))
    with (
        open_store(ctx) as store,
        store.transaction() as conn,
    ):  # the decision is audited either way
        result = mounts.create(conn, cli_actor(), body)
    _print_decision(result["decision"])
    row = mounts.raise_if_denied(result)
    row.pop("decision")
    created = cli_msg("cli.store.created", what=term("object", "mount"))
    show_rows([row], False, created, mounts.RESOURCE.terms)


@mounts_app.command("status")
def mount_status(ctx: typer.Context, ident: int, status: str) -> None:
    """Disable (``disabled``) or re-enable (``active``, policy-checked) a mount."""
    body = validated(mounts.MountPatch, {"status": status})
    with open_store(ctx) as store, store.transaction() as conn:
        result = mounts.set_status(conn, cli_actor(), ident, body.status)
    if result["decision"] is not None:
        _print_decision(result["decision"])
    mounts.raise_if_denied(result)
    console.print(cli_msg("cli.links.mount_status", id=ident, status=term("state", body.status)))


def _print_decision(decision: DecisionJSON) -> None:
    """The verdict and every check, in the terminal's language (English checks stored before
    checks had message keys are shown as they are)."""
    lang = cli_lang()
    allowed, denied, policy = (
        cli_msg("cli.policy.allowed"),
        cli_msg("cli.policy.denied"),
        cli_msg("cli.policy"),
    )
    verdict = f"[green]{allowed}[/]" if decision["allowed"] else f"[red]{denied}[/]"
    console.print(f"{policy}: {verdict}")
    for check in decision["checks"]:
        mark = "[green]✓[/]" if check["passed"] else "[red]✗[/]"
        text = messages.render(lang, check) if check.get("code") else check["message"]
        console.print(f"  {mark} {text}", highlight=False)


policy_app = typer.Typer(
    help="The live link policy: kill switches and dry runs.", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")


@policy_app.command("kill-switch")
def kill_switch(
    ctx: typer.Context,
    partner_id: int,
    off: bool = typer.Option(True, "--off/--on", help="Close (default) or reopen."),
    reason: str = typer.Option(..., help="Why (audited)."),
) -> None:
    """Close (or reopen) every link of a partner at once."""
    with open_store(ctx) as store, store.transaction() as conn:
        row = partners.set_links_enabled(conn, cli_actor(), partner_id, not off, reason)
    key = N_("cli.links.partner_on") if row["links_enabled"] else N_("cli.links.partner_off")
    console.print(cli_msg(key, partner=row["slug"]))


@policy_app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    pairs: list[str] = typer.Argument(help="placement=... offer_id=... note_id=..."),
) -> None:
    """Dry run: what the policy would decide for a mount, and why."""
    body = validated(mounts.MountIn, parse_pairs(pairs))
    with open_store(ctx) as store, store.read() as conn:
        _, decision = mounts.evaluate(conn, cli_actor(), body)
    _print_decision(decision.as_dict())


@app.command("rotate-secret")
def rotate_secret(ctx: typer.Context, partner_id: int) -> None:
    """Add a signing secret for a partner (printed once; the oldest beyond two is revoked)."""
    with open_store(ctx) as store, store.transaction() as conn:
        out = partners.rotate_secret(conn, cli_actor(), partner_id)
    console.print(cli_msg("cli.links.secret", id=out["id"], secret=f"[bold]{out['secret']}[/]"))
    if out["revoked_ids"]:
        console.print(cli_msg("cli.links.revoked", ids=out["revoked_ids"]))


@app.command("audit")
def audit_cmd(
    ctx: typer.Context,
    object_type: str | None = None,
    action: str | None = None,
    limit: int = typer.Option(50, min=1, max=paging.MAX_LIMIT),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the audit log, newest first."""
    with open_store(ctx) as store, store.read() as conn:
        rows = audit.entries(conn, object_type=object_type, action_prefix=action, limit=limit)
    show_rows(
        rows if as_json else [_audit_row(r) for r in rows], as_json, cli_msg("cli.links.audit_log")
    )


def _audit_row(entry: dict[str, object]) -> dict[str, object]:
    """An audit entry as the dashboard's policy page shows it: what changed (before → after, as
    short JSON), then the reason given or the policy's decision in the terminal's language."""
    before, after, detail = entry.get("before"), entry.get("after"), entry.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    change = " → ".join(messages.compact(v, limit=COMPACT) for v in (before, after) if v)
    decision = detail.get("decision")
    decision = decision if isinstance(decision, dict) else {}
    why = detail.get("reason") or messages.render(
        cli_lang(), decision.get("summary_msg") or decision.get("summary")
    )
    obj = f"{entry['object_type']} {entry.get('object_id') or ''}".strip()
    return {"id": entry["id"], "at": entry["at"], "actor": entry["actor"],
            "action": entry["action"], "object": obj,
            "change": "\n".join(x for x in (change, why) if x)}  # fmt: skip


@app.command("clicks")
def clicks_cmd(
    ctx: typer.Context,
    limit: int = typer.Option(50, min=1, max=paging.MAX_LIMIT),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show logged clicks, newest first."""
    with open_store(ctx) as store, store.read() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                select(clicks).order_by(clicks.c.id.desc()).limit(limit)
            ).mappings()
        ]
    title = messages.render(cli_lang(), term("resource", "clicks"))
    show_rows(rows if as_json else [_click_row(r) for r in rows], as_json, title, CLICK_TERMS)


#: What a click's row in the table shows (``--json`` gives every field) and its words' families.
CLICK_COLUMNS = ("id", "code", "placement", "partner_id", "offer_id", "ua_class")
CLICK_TERMS = {"placement": "placement"}


def _click_row(row: dict[str, object]) -> dict[str, object]:
    """A click for people: when (the stored microseconds as a time), where, who, what came of it."""
    at = datetime.fromtimestamp(int(str(row["ts_us"])) / 1e6, UTC)
    flags = ("outcome", "is_bot", "is_duplicate")
    return {"id": row["id"], "at": at} | {k: row[k] for k in (*CLICK_COLUMNS[1:], *flags)}


def _check_port(host: str, port: int) -> None:
    """Refuse to start when the redirect's port is taken (each worker opens it itself, where a
    failure would only reach the log)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            # as the listener will: connections of an earlier server in TIME_WAIT do not count
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        message = cli_msg("cli.links.redirect-port-taken", host=host, port=port, error=exc.strerror)
        raise typer.BadParameter(message, param_hint="--redirect-port") from exc


@app.command()
def serve(
    ctx: typer.Context,
    host: str | None = None,
    port: int | None = None,
    workers: int = typer.Option(
        1, help="Server processes, each with its own click segment (SQLite: keep 1)."
    ),
    interface: str = typer.Option(
        "rsgi", help="rsgi (the redirect answered without ASGI) or asgi.", case_sensitive=False
    ),
    redirect_port: int | None = typer.Option(
        None,
        help="Also answer /r/ on this port, on the event loop itself: the fastest way to serve "
        "links (setting redirect_port).",
        min=1,
        max=65535,
    ),
) -> None:
    """Run the API and the click redirect (granian, uvloop)."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    one_of("--interface", interface.lower(), ("rsgi", "asgi"))
    st = state(ctx)
    settings = st.settings
    open_store(ctx).dispose()  # refuse to start on an old schema
    os.environ["SEEDTRAIL_DATA_DIR"] = str(settings.data_dir)
    os.environ["SEEDTRAIL_DATABASE_URL"] = settings.effective_database_url
    if st.config_file:
        os.environ["SEEDTRAIL_CONFIG"] = str(st.config_file)
    if redirect_port is not None:
        os.environ["SEEDTRAIL_REDIRECT_PORT"] = str(redirect_port)
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(cli_msg("cli.links.serving", url=f"http://{bind_host}:{bind_port}"))
    listen = redirect_port or settings.redirect_port
    if listen:
        _check_port(bind_host, listen)
        console.print(cli_msg("cli.links.serving-redirect", url=f"http://{bind_host}:{listen}"))
    rsgi = interface.lower() == "rsgi"
    Granian(
        "seedtrail.api.rsgi:rsgi_from_env" if rsgi else "seedtrail.api.app:app_from_env",
        address=bind_host,
        port=bind_port,
        interface=Interfaces.RSGI if rsgi else Interfaces.ASGI,
        factory=True,
        workers=workers,
        loop=Loops.uvloop,
        log_access=False,
    ).serve()


policy_app.command("impact")(impact_cmd)

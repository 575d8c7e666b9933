"""``seedtrail import`` (files into the inbox) and ``seedtrail health`` (backhaul health)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer
from rich.table import Table
from sqlalchemy import select
from typer.core import TyperGroup

from seedtrail import messages
from seedtrail.cli.context import cli_msg, console, err_console, open_store, state
from seedtrail.cli.context import lang as cli_lang
from seedtrail.cli.progress import progress
from seedtrail.cli.store_cmd import cli_actor
from seedtrail.core.errors import InvalidInput, one_of
from seedtrail.intake import alerts, files, flags, holds, ownshop
from seedtrail.intake.directory import PartnerDirectory
from seedtrail.intake.events import COMMUNITY
from seedtrail.intake.health import Health, window_end
from seedtrail.intake.importer import Kind, import_file
from seedtrail.intake.inbox import Inbox
from seedtrail.lake.layout import Lake
from seedtrail.messages import N_, Msg
from seedtrail.store.schema import partners
from seedtrail.store.store import Store
from seedtrail.store.types import MAX_INT

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

#: ``import --kind`` values
KINDS: dict[str, Kind] = {"front": "front", "back": "back", "orders": "orders"}
STATUS_STYLE = {"no_data": "dim", "ok": "green", "degraded": "yellow", "broken": "bold red"}
#: The columns of ``health --hours-table``.
HOUR_COLUMNS = (
    *(N_("cli.health.col.hour"), N_("cli.health.col.events"), N_("cli.health.col.late")),
    *(N_("cli.health.col.clicks"), N_("cli.health.col.echoed"), N_("cli.health.col.rate")),
    *(N_("cli.health.col.lag"), N_("cli.health.col.dup"), N_("cli.health.col.orders")),
)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL, CSV or Parquet."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="front (community events), back (a shop's events) or orders (the platform's own "
        "shop's orders, each with the buyer's community user_key).",
    ),
    partner: str | None = typer.Option(
        None, "--partner", help="Partner slug (for --kind back and orders)."
    ),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write every rejected line here as JSONL."
    ),
) -> None:
    """Import (or replay) an event file; repeats of stored events are skipped."""
    one_of("--kind", kind, tuple(KINDS))
    with open_store(ctx) as store:
        _import(store, file, KINDS[kind], partner, errors)


def _import(store: Store, file: Path, kind: Kind, partner: str | None, errors: Path | None) -> None:
    source, rate = COMMUNITY, None
    if kind in ("back", "orders"):
        if not partner:
            raise InvalidInput(Msg("problem.invalid-input.kind_back_partner"))
        entry = PartnerDirectory(store).get(str(_partner_id(store, partner)))
        if kind == "orders":
            ownshop.require_own_shop(entry)
        else:
            ownshop.refuse_shop_events(entry)
        source, rate = entry.slug, entry.declared_sample_rate
    fmt = files.detect(file)
    out = errors.open("w", encoding="utf-8") if errors else None
    try:
        label = cli_msg("cli.import.importing", file=file.name)
        with progress(label, total=files.size(file, fmt)) as bar:
            report = import_file(
                Inbox(store.engine),
                file,
                kind,
                source,
                fmt=fmt,
                error_out=out,
                declared_rate=rate,
                progress=bar.advance,
            )
    finally:
        if out:
            out.close()
    rejected = cli_msg("cli.import.rejected")
    for line in report.errors:
        err_console.print(f"[red]{rejected}[/] {line}", highlight=False, markup=True)
    if report.rejected > len(report.errors):
        more = report.rejected - len(report.errors)
        key = N_("cli.import.more_in") if errors else N_("cli.import.more")
        err_console.print(cli_msg(key, n=more, file=str(errors)))
    console.print(
        cli_msg(
            "cli.import.summary",
            read=report.read,
            stored=report.stored,
            duplicates=report.duplicates,
            rejected=report.rejected,
        )
    )
    if report.rejected:
        counts = {"n": report.rejected, "of": report.read, "file": str(file)}
        if errors:
            raise InvalidInput(
                Msg("problem.invalid-input.rejected_in", {**counts, "errors": str(errors)})
            )
        raise InvalidInput(Msg("problem.invalid-input.rejected", counts))


class _HealthGroup(TyperGroup):
    """``seedtrail health [PARTNER] [OPTIONS]`` shows health; ``hold`` and ``release`` act."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["show", *args]
        return super().parse_args(ctx, args)


health_app = typer.Typer(
    cls=_HealthGroup,
    help="Backhaul health per partner (run it hourly: it alerts on a change); hold or release "
    "a partner's figures.",
)
app.add_typer(health_app, name="health")


@health_app.command("show")
def health_cmd(
    ctx: typer.Context,
    partner: str | None = typer.Argument(None, help="Partner slug or id (default: all)."),
    hours: int = typer.Option(24, "--hours", min=1, help="Whole hours to look back."),
    show_hours: bool = typer.Option(False, "--hours-table", help="Show every hour."),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object per flagged window (partner, kind, start, end, "
        "evidence) instead of the summary.",
    ),
) -> None:
    """Backhaul health per partner, as of the deployment's latest data: status, flagged
    windows, per-hour figures; alerts on change."""
    settings = state(ctx).settings
    lake = Lake(settings.effective_lake_url)
    with open_store(settings) as store:
        directory = PartnerDirectory(store)
        if partner is None:
            with store.read() as conn:
                idents = [str(i) for i in conn.execute(select(partners.c.id)).scalars()]
        else:
            idents = [str(_partner_id(store, partner))]
        for ident in idents:
            health, sent = alerts.check(
                store, lake, directory.get(ident), settings.health_webhook_url, window_end(), hours
            )
            if as_json:
                for f in health.flags:
                    typer.echo(orjson.dumps(f.to_dict()).decode())
            else:
                _show(health, sent, show_hours)


def _partner_id(store: Store, ident: str) -> int:
    """The partner a user named by slug or id; "partner … not found" when there is none (the
    directory's answer, "unknown partner or bad signature", is for signed postbacks)."""
    numeric = ident.isascii() and ident.isdigit() and int(ident) <= MAX_INT
    with store.read() as conn:
        return flags.entry(conn, int(ident) if numeric else ident).id


@health_app.command("hold")
def hold_cmd(
    ctx: typer.Context,
    partner: str = typer.Argument(..., help="Partner slug or id."),
    reason: str = typer.Option(..., "--reason", help="Why (shown with the withheld figures)."),
) -> None:
    """Hold a partner: its figures are withheld from brand reports until released (audited)."""
    with open_store(ctx) as store:
        pid = _partner_id(store, partner)
        with store.transaction() as conn:
            h = holds.hold(conn, cli_actor(), pid, reason)
    held = "[bold red]" + cli_msg("cli.health.held") + "[/]"
    since = h.held_at.isoformat()
    console.print(
        cli_msg("cli.health.held_since", partner=h.partner, held=held, at=since, reason=h.reason)
    )


@health_app.command("release")
def release_cmd(
    ctx: typer.Context,
    partner: str = typer.Argument(..., help="Partner slug or id."),
    reason: str = typer.Option(..., "--reason", help="Why the figures can be shown again."),
) -> None:
    """Release a partner's hold: its figures return to brand reports (audited)."""
    with open_store(ctx) as store:
        pid = _partner_id(store, partner)
        with store.transaction() as conn:
            h = holds.release(conn, cli_actor(), pid, reason)
    console.print(cli_msg("cli.health.released", partner=h.partner, reason=reason))


def _show(health: Health, sent: bool, show_hours: bool) -> None:
    style = STATUS_STYLE[health.status]
    key = f"health.status.{health.status}"
    status, note = cli_msg(key), cli_msg("cli.alert_sent")
    as_of = cli_msg("cli.as_of", at=health.as_of[:16])
    console.print(
        f"{health.partner}: [{style}]{status}[/] {as_of}" + (f" ({note})" if sent else "")
    )
    for reason in health.reason_msgs or health.reasons:
        console.print(f"  - {messages.render(cli_lang(), reason)}", highlight=False)
    if show_hours:
        table = Table(*(cli_msg(key) for key in HOUR_COLUMNS))
        for h in health.hours:
            table.add_row(
                h.hour[:16],
                str(h.received["events"]),
                str(h.received["late"]),
                str(h.clicks),
                str(h.visits),
                "" if h.observed_sample_rate is None else f"{h.observed_sample_rate:.2f}",
                "" if h.lag_p95_s is None else f"{h.lag_p95_s:.0f}",
                "" if h.duplicate_rate is None else f"{100 * h.duplicate_rate:.1f}",
                str(h.reused_orders or ""),
                style="red" if h.gap else None,
            )
        console.print(table)

"""``seedtrail cleanroom``: each party's side of a matching run, the neutral join, and reports.

A run, step by step (party a and party b on their own machines, the joiner on a third)::

    seedtrail cleanroom new-run --out run.json                  # a, shared with b only
    seedtrail cleanroom blind --run run.json --party a --input a.parquet --phone phone \\
        --out a.tokens.parquet --key a.key.json --handles a.handles.parquet
    seedtrail cleanroom blind ... --party b ...                  # b, likewise
    seedtrail cleanroom reblind --key b.key.json --input a.tokens.parquet --out a.double.parquet
    seedtrail cleanroom reblind --key a.key.json --input b.tokens.parquet --out b.double.parquet
    seedtrail cleanroom join --a a.double.parquet --b b.double.parquet \\
        --out matches.parquet --report report.json               # joiner

or all of it on one machine, each party's files in its own folder::

    seedtrail cleanroom match --community users.parquet --shop customers.parquet \\
        --partner tmall --out cleanroom/
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from seedtrail.cleanroom.budget import ledger_for
from seedtrail.cleanroom.export import export_release
from seedtrail.cleanroom.identity import (
    IdColumns,
    RunLayout,
    blind_file,
    join_files,
    match,
    reblind_file,
)
from seedtrail.cleanroom.matching import BlindResult
from seedtrail.cleanroom.report import release_audited
from seedtrail.cleanroom.runfiles import RunSecret
from seedtrail.cleanroom.sources import read_table, text_column
from seedtrail.cleanroom.templates import TEMPLATES, ReportRequest
from seedtrail.cli.context import cli_msg, console, open_store, state
from seedtrail.cli.progress import progress
from seedtrail.cli.store_cmd import cli_actor
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import N_, Msg
from seedtrail.store import audit

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

cleanroom_app = typer.Typer(help="Clean room: blind ids, join, release safe aggregates.")
app.add_typer(cleanroom_app, name="cleanroom")


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    with progress(label, total=total) as bar:
        yield bar.advance


@cleanroom_app.command("new-run")
def new_run(
    out: Path = typer.Option(..., "--out", help="Run secret file (share with the other party)."),
) -> None:
    """Create a run id and the HMAC secret both parties key their ids with."""
    run = RunSecret.new()
    run.save(out)
    console.print(cli_msg("cli.cleanroom.run_written", run=f"[bold]{run.run_id}[/]", out=str(out)))


@cleanroom_app.command("blind")
def blind_cmd(
    ctx: typer.Context,
    run_file: Path = typer.Option(..., "--run", help="Run secret file from new-run."),
    party: str = typer.Option(..., "--party", help="a or b."),
    input_path: Path = typer.Option(..., "--input", help="Parquet or CSV, one row per person."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number column."),
    device: str | None = typer.Option(None, "--device", help="Device id column."),
    account: str | None = typer.Option(None, "--account", help="Account id column."),
    key_column: str | None = typer.Option(
        None, "--key-column", help="Own user key kept in the private handles file."
    ),
    region: str = typer.Option("CN", "--region", help="Default phone region."),
    out: Path = typer.Option(..., "--out", help="Blinded tokens (send to the other party)."),
    key_out: Path = typer.Option(..., "--key", help="Private key file (keep)."),
    handles_out: Path = typer.Option(..., "--handles", help="Private handle map (keep)."),
) -> None:
    """Blind this party's ids with a fresh key."""
    settings = state(ctx).settings
    run = RunSecret.load(run_file)
    ids = IdColumns(key_column or "", phone, device, account)
    started = time.perf_counter()
    result = blind_file(
        run,
        party,
        input_path,
        ids.by_type(),
        key_column,
        key_out=key_out,
        tokens_out=out,
        handles_out=handles_out,
        region=region,
        processes=settings.cleanroom_workers,
        stage=_progress,
    )
    elapsed = time.perf_counter() - started
    _print_blinded(result)
    console.print(
        cli_msg(
            "cli.cleanroom.blinded_files",
            out=str(out),
            seconds=f"{elapsed:.1f}",
            key_file=str(key_out),
            handles=str(handles_out),
        )
    )


def _print_blinded(result: BlindResult) -> None:
    for t, n in result.kept.items():
        console.print(
            cli_msg("cli.cleanroom.blinded", type=t, n=f"{n:,}", dropped=f"{result.dropped[t]:,}")
        )


@cleanroom_app.command("reblind")
def reblind_cmd(
    ctx: typer.Context,
    key_file: Path = typer.Option(..., "--key", help="This party's key file."),
    input_path: Path = typer.Option(..., "--input", help="The other party's blinded tokens."),
    out: Path = typer.Option(..., "--out", help="Double-blinded tokens (send to the joiner)."),
) -> None:
    """Re-blind the other party's tokens with this party's key."""
    settings = state(ctx).settings
    reblind_file(key_file, input_path, out, processes=settings.cleanroom_workers, stage=_progress)
    console.print(cli_msg("cli.cleanroom.wrote", out=str(out)))


@cleanroom_app.command("join")
def join_cmd(
    ctx: typer.Context,
    a_path: Path = typer.Option(..., "--a", help="Party a's tokens re-blinded by b."),
    b_path: Path = typer.Option(..., "--b", help="Party b's tokens re-blinded by a."),
    out: Path = typer.Option(..., "--out", help="Match table of row handles (joiner keeps)."),
    report_path: Path = typer.Option(..., "--report", help="Match-rate report (JSON)."),
    threshold: int | None = typer.Option(
        None, "--threshold", help="Fewest matches revealed [default: settings, 100]."
    ),
    noise_epsilon: float | None = typer.Option(
        None, "--noise-epsilon", help="Laplace noise on the reported counts (DP, optional)."
    ),
) -> None:
    """Intersect double-blinded tokens; write the match table and the match-rate report."""
    settings = state(ctx).settings
    report = join_files(
        a_path,
        b_path,
        out,
        report_path,
        threshold=threshold or settings.cleanroom_match_threshold,
        noise_epsilon=noise_epsilon,
    )
    shown = _shown(report["matched_people"])
    console.print(cli_msg("cli.cleanroom.joined", matched=shown, report=str(report_path)))


def _shown(matched: int | None) -> str:
    return f"{matched:,}" if matched is not None else cli_msg("cli.cleanroom.hidden")


@cleanroom_app.command("match")
def match_cmd(
    ctx: typer.Context,
    community: Path = typer.Option(..., "--community", help="The community's users (party a)."),
    shop: Path = typer.Option(..., "--shop", help="The shop's customers (party b)."),
    partner: str = typer.Option(..., "--partner", help="The shop's partner slug."),
    out: Path = typer.Option(..., "--out", help="Clean-room root; the run goes to OUT/PARTNER."),
    phone: str | None = typer.Option("phone", "--phone", help="Phone column (both files)."),
    device: str | None = typer.Option("device_id", "--device", help="Device id column (both)."),
    account: str | None = typer.Option(None, "--account", help="Account id column (both)."),
    shop_phone: str | None = typer.Option(
        None, "--shop-phone", help="The shop file's phone column, if named otherwise."
    ),
    shop_device: str | None = typer.Option(
        None, "--shop-device", help="The shop file's device id column, if named otherwise."
    ),
    community_key: str = typer.Option("user_key", "--community-key", help="Community user key."),
    shop_key: str = typer.Option("shop_user_key", "--shop-key", help="Shop customer key."),
    region: str = typer.Option("CN", "--region", help="Default phone region."),
    threshold: int | None = typer.Option(
        None, "--threshold", help="Fewest matches revealed [default: settings, 100]."
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace this partner's earlier run."),
) -> None:
    """Run a whole matching run for one community x shop pair on this machine: both parties'
    blinding and re-blinding and the join, each party's files in its own folder."""
    settings = state(ctx).settings
    started = time.perf_counter()
    report = match(
        community,
        shop,
        partner,
        out,
        community_ids=IdColumns(community_key, phone, device, account),
        shop_ids=IdColumns(shop_key, shop_phone or phone, shop_device or device, account),
        threshold=threshold or settings.cleanroom_match_threshold,
        region=region,
        processes=settings.cleanroom_workers,
        replace=replace,
        stage=_progress,
    )
    elapsed = time.perf_counter() - started
    rate = report["b_match_rate"]
    said = cli_msg(
        "cli.cleanroom.matched",
        partner=partner,
        a=f"{report['a_rows']:,}",
        b=f"{report['b_rows']:,}",
        matched=_shown(report["matched_people"]),
    )
    if rate is not None:
        said += cli_msg("cli.cleanroom.match_rate", rate=f"{rate:.1%}")
    folder = str(RunLayout(out, partner).folder)
    console.print(
        said + cli_msg("cli.cleanroom.match_took", seconds=f"{elapsed:.1f}", folder=folder)
    )


@cleanroom_app.command("templates")
def templates_cmd() -> None:
    """List the pre-registered report templates."""
    heads = [N_("cli.cleanroom.col.template"), N_("cli.cleanroom.col.breakdown")]
    heads += [N_("cli.cleanroom.col.measures"), N_("cli.cleanroom.col.ratios")]
    table = Table(*map(cli_msg, heads), title=cli_msg("cli.cleanroom.templates"))
    for spec in TEMPLATES.values():
        table.add_row(
            spec.name,
            " → ".join(("campaign", *spec.levels)),
            ", ".join(m.name for m in spec.measures),
            ", ".join(r.name for r in spec.ratios),
        )
    console.print(table)


@cleanroom_app.command("report")
def report_cmd(
    ctx: typer.Context,
    rows_path: Path = typer.Option(..., "--rows", help="Per-person rows (Parquet or CSV)."),
    template_name: str = typer.Option(..., "--template", help="A template from `templates`."),
    brand: str = typer.Option(..., "--brand", help="Who asks (budgets are per brand)."),
    campaign: int = typer.Option(..., "--campaign", help="Campaign id."),
    period: str = typer.Option(..., "--period", help="Monday that starts the 7-day period."),
    out: Path = typer.Option(..., "--out", help="Export file: .csv, .parquet or .xlsx."),
    dp: bool = typer.Option(False, "--dp", help="Differential privacy instead of k."),
    epsilon: float | None = typer.Option(None, "--epsilon", help="DP budget for this report."),
    spend_path: Path | None = typer.Option(
        None, "--spend", help="Brand spend per finest cell (roas): level columns + spend."
    ),
) -> None:
    """Run a pre-registered report through the release rules and export the released cells."""
    settings = state(ctx).settings
    period_start = _period(period)
    request = ReportRequest(template_name, brand, campaign, period_start, dp=dp, epsilon=epsilon)
    spec = request.check()
    rows = read_table(rows_path)
    spend = _read_spend(spend_path, spec.levels) if spend_path else None
    # charged, frozen and audited in the store, committed before the export is written
    with open_store(settings) as store, store.transaction() as conn:
        release, _ = release_audited(conn, rows, request, settings, actor=cli_actor().name)
    export_release(release, out, spend)
    rule = json.dumps(release.rule)
    console.print(cli_msg("cli.cleanroom.released", n=len(release.cells), rule=rule, out=str(out)))


def _period(period: str) -> date:
    try:
        return date.fromisoformat(period)
    except ValueError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.period_date", {"value": repr(period)})
        ) from exc


def _read_spend(path: Path, levels: tuple[str, ...]) -> dict[tuple[str, ...], float]:
    table = read_table(path, list(levels))
    for name in (*levels, "spend"):
        if name not in table.column_names:
            raise InvalidInput(
                Msg("problem.invalid-input.spend_column", {"path": str(path), "column": repr(name)})
            )
    keys = [text_column(table, lv, path) for lv in levels]
    spend = table.column("spend").cast("float64").to_pylist()
    out: dict[tuple[str, ...], float] = {}
    for i, value in enumerate(spend):
        key = tuple(str(col[i]) for col in keys)
        out[key] = out.get(key, 0.0) + float(value or 0.0)
    return out


@cleanroom_app.command("budget")
def budget_cmd(
    ctx: typer.Context,
    brand: str = typer.Option(..., "--brand"),
    campaign: int = typer.Option(..., "--campaign"),
    period: str = typer.Option(..., "--period", help="Monday that starts the 7-day period."),
) -> None:
    """Show the privacy budget spent and left for a brand, campaign and period."""
    settings = state(ctx).settings
    with open_store(settings) as store, store.read() as conn:
        ledger = ledger_for(settings, conn, cli_actor().name)
        spent = ledger.spent(brand, campaign, _period(period))
    limit = ledger.per_period
    left = max(0.0, limit - spent)
    console.print(
        cli_msg("cli.cleanroom.budget", spent=f"{spent:g}", limit=f"{limit:g}", left=f"{left:g}")
    )


@cleanroom_app.command("import-ledger")
def import_ledger_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Each node's old data_dir/privacy_budget.db."),
) -> None:
    """Carry the per-node ledger files of earlier versions into the store (once, on upgrade):
    budgets spent stay spent and frozen releases stay frozen. Importing twice changes nothing."""
    from seedtrail.cleanroom.legacy import import_file_ledger

    with open_store(ctx) as store, store.transaction() as conn:
        for path in files:
            spends, releases = import_file_ledger(conn, path)
            audit.record(
                conn,
                actor=cli_actor().name,
                action="cleanroom.import_ledger",
                object_type="ledger_file",
                object_id=str(path)[-64:],
                detail={"spends": spends, "frozen_releases": releases},
            )
            console.print(
                cli_msg("cli.cleanroom.ledger", path=str(path), spends=spends, releases=releases)
            )


@cleanroom_app.command("rows")
def rows_cmd(
    ctx: typer.Context,
    credits: Path = typer.Option(..., "--credits", help="An attribution run's credits file."),
    world: Path | None = typer.Option(None, "--world", help="A `seedtrail sim` world directory."),
    touches: Path | None = typer.Option(None, "--touches", help="Front-link events (Parquet)."),
    notes: Path | None = typer.Option(None, "--notes", help="note_id, author_id (Parquet)."),
    campaign_notes: Path | None = typer.Option(
        None, "--campaign-notes", help="campaign_id, note_id (Parquet)."
    ),
    holdout: Path | None = typer.Option(
        None, "--holdout", help="community_key, holdout (Parquet): the lift holdout."
    ),
) -> None:
    """Build the clean room's per-person rows (what every report is released from) and keep
    them in the data directory; nothing leaves the clean room but released reports."""
    from seedtrail.cleanroom.rows import RowSources, build_rows, save_rows

    if world is not None:
        sources = RowSources.from_world(world, credits)
    elif touches and notes and campaign_notes:
        sources = RowSources(touches, credits, notes, campaign_notes, holdout)
    else:
        raise InvalidInput(Msg("problem.invalid-input.rows_sources"))
    with console.status(cli_msg("cli.cleanroom.building_rows")):
        table = build_rows(sources)
        path = save_rows(table, state(ctx).settings.data_dir)
    people = len(set(table.column("person").to_pylist()))
    console.print(
        cli_msg(
            "cli.cleanroom.rows", rows=f"{table.num_rows:,}", people=f"{people:,}", path=str(path)
        )
    )

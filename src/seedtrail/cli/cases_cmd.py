"""``seedtrail cases``: import detections, work the moderator queue, act, appeal, decide.

The CLI acts as an operator (``operator:cli:<user>``); everything it does is audited."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from seedtrail import messages
from seedtrail.cli.context import cli_msg, console, err_console, lang, open_store
from seedtrail.cli.progress import progress
from seedtrail.cli.store_cmd import cli_actor, show_rows
from seedtrail.core.errors import InvalidInput, one_of, validated
from seedtrail.enforcement import (
    actions,
    appeals,
    autopolicy,
    campaign_intake,
    cases,
    groups,
    intake,
    queue,
)
from seedtrail.messages import N_, Msg, term
from seedtrail.store import paging, schema
from seedtrail.web.views import case_text

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

#: The queue's columns whose values are words of a family (as the dashboard's queue shows them).
QUEUE_TERMS = {"severity": "severity", "detector": "detector", "status": "case.status"}

cases_app = typer.Typer(
    help="Enforcement: cases from detections, actions, reversals and appeals.",
    no_args_is_help=True,
)
app.add_typer(cases_app, name="cases")


@cases_app.command("import")
def import_cmd(
    ctx: typer.Context,
    findings: Path | None = typer.Option(None, help="findings.jsonl from `integrity scan`."),
    campaigns: Path | None = typer.Option(None, help="campaigns.jsonl from `integrity campaigns`."),
    texts: Path | None = typer.Option(
        None, help="The scan's input (id, text, author, note_id, ts) to show texts and timelines."
    ),
    subject: str = typer.Option("comment", help="What finding ids are: comment, note, account."),
    auto: bool = typer.Option(False, "--auto", help="Apply the packaged automatic-action rules."),
    auto_policy: Path | None = typer.Option(None, help="Apply automatic-action rules from FILE."),
) -> None:
    """Open cases from detector output (idempotent: re-importing opens nothing new)."""
    if (findings is None) == (campaigns is None):
        raise InvalidInput(Msg("problem.invalid-input.findings_or_campaigns"))
    rules = autopolicy.load(auto_policy) if auto_policy or auto else None
    with open_store(ctx) as store, progress(cli_msg("cli.cases.opening")) as bar:
        if findings is not None:
            report = intake.import_findings(
                store,
                cli_actor(),
                findings,
                subject=subject,
                texts=texts,
                auto=rules,
                progress=bar.advance,
            )
        else:
            assert campaigns is not None
            report = campaign_intake.import_campaigns(
                store, cli_actor(), campaigns, texts=texts, auto=rules, progress=bar.advance
            )
    skipped = cli_msg("cli.cases.auto_skipped")
    for skip in report.skipped[:20]:
        err_console.print(f"[yellow]{skipped}[/] {skip}", highlight=False)
    if len(report.skipped) > 20:
        err_console.print(cli_msg("cli.cases.more_skips", n=len(report.skipped) - 20))
    said = cli_msg(
        "cli.cases.imported", lines=report.lines, opened=report.opened, existing=report.existing
    )
    if report.members:
        said += cli_msg("cli.cases.members", n=report.members)
    said += cli_msg("cli.cases.auto_actions", n=report.auto_actions)
    if report.unflagged:
        said += cli_msg("cli.cases.unflagged", n=report.unflagged)
    console.print(said)


@cases_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: str | None = None,
    detector: str | None = None,
    subject_type: str | None = None,
    min_severity: int | None = typer.Option(None, min=1, max=4),
    group_key: str | None = typer.Option(None, "--group", help="Cases of one campaign."),
    limit: int = typer.Option(50, min=1, max=paging.MAX_LIMIT),
    offset: int = typer.Option(0, min=0),
    after: str | None = typer.Option(None, "--after", help="The next page's cursor, as printed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The moderator queue: by severity, then reach; page on with --after."""
    one_of("--status", status, schema.CASE_STATUSES)
    one_of("--subject-type", subject_type, schema.CASE_SUBJECTS)
    filters = {"status": status, "detector": detector, "subject_type": subject_type}
    with open_store(ctx) as store, store.read() as conn:
        found = queue.page(
            conn,
            cli_actor(),
            filters,
            min_severity=min_severity,
            group_key=group_key,
            limit=limit,
            offset=offset,
            cursor=after,
        )
        names = case_text.Names.load(conn, *case_text.ids_of(found.rows))
    rows = found.rows
    if found.next:
        typer.echo(cli_msg("cli.cases.next_page", cursor=found.next), err=True)
    if as_json:
        show_rows(rows, True, "")
        return
    t = partial(messages.translate, lang())
    brief = [  # the moderator queue's columns, labelled as the dashboard labels them
        {
            "id": r["id"],
            "severity": r["severity_name"],
            "reach": r["reach"],
            "detector": r["detector"],
            "subject": case_text.subject(t, r, names),
            "summary": case_text.summary(t, r, names)[:60],
            "status": r["status"],
        }
        for r in rows
    ]
    title = messages.render(lang(), term("resource", "cases"))
    show_rows(brief, False, title, QUEUE_TERMS)


@cases_app.command("show")
def show_cmd(ctx: typer.Context, ident: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """A case: summary, evidence (findings highlighted ⟦like this⟧), actions and appeal."""
    with open_store(ctx) as store, store.read() as conn:
        row = cases.detail(conn, cli_actor(), ident)
        names = case_text.Names.load(conn, *case_text.ids_of([row]))
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False, default=str, indent=1))
        return
    _print_case(row, names)


def _print_case(row: dict[str, Any], names: case_text.Names) -> None:
    """A case for people, in the terminal's language (the summary from its code, as the
    dashboard shows it; the evidence's own words and values as they are)."""
    t = partial(messages.translate, lang())
    owner = row["owner_account_id"]
    meta = cli_msg(
        "cli.cases.show.meta",
        subject=case_text.subject(t, row, names),
        owner=names.account(owner) if owner is not None else "—",
        detector=case_text.term(t, "detector", row["detector"]),
        severity=case_text.term(t, "severity", row["severity_name"]),
        reach=row["reach"],
        status=case_text.term(t, "case.status", row["status"]),
    )
    summary = case_text.summary(t, row, names)
    title = cli_msg("cli.cases.show.title", id=row["id"])
    console.print(Panel(f"{escape(summary)}\n[dim]{escape(meta)}[/]", title=title), highlight=False)
    ev = row["evidence"]
    if ev.get("highlighted"):
        said = cli_msg("cli.cases.show.text", text=ev["highlighted"])
        console.print(said, highlight=False, markup=False)
    for f in ev.get("findings", []):
        said = cli_msg(
            "cli.cases.show.finding", kind=f["kind"], value=f.get("value"), span=f["span"]
        )
        console.print(said, highlight=False, markup=False)
    camp = ev.get("campaign")
    if camp:
        console.print(
            cli_msg("cli.cases.show.campaign", key=camp["key"][:12],
                    accounts=len(camp.get("accounts", [])), comments=camp["comment_count"],
                    notes=len(camp["notes"]), span=camp["span"]),
            highlight=False, markup=False,
        )  # fmt: skip
        for e in camp.get("timeline", [])[:10]:
            console.print(
                cli_msg("cli.cases.show.timeline", ts=e["ts"], account=e["account"],
                        note=e["note"], text=e["text"]),
                highlight=False, markup=False,
            )  # fmt: skip
    if row["actions"]:
        _print_actions(row["actions"], t)
    if row["appeal"]:
        ap = row["appeal"]
        outcome = case_text.term(t, "case.outcome", ap["outcome"]) if ap["outcome"] else None
        console.print(
            cli_msg("cli.cases.show.appeal", id=ap["id"], by=ap["filed_by"],
                    statement=ap["statement"], outcome=outcome or cli_msg("cli.cases.show.pending"),
                    reviewer=ap["reviewer"] or "", reason=ap["decision_reason"] or ""),
            highlight=False, markup=False,
        )  # fmt: skip


def _print_actions(rows: list[dict[str, Any]], t: case_text.Translate) -> None:
    table = Table(
        *map(cli_msg, ACTION_HEADS), title=cli_msg("cli.cases.show.actions"), highlight=False
    )
    for a in rows:
        reversed_ = f"{a['reversed_at']} ({a['reversal_reason']})" if a["reversed_at"] else ""
        table.add_row(
            str(a["id"]),
            case_text.term(t, "action", a["action"]),
            a["actor"],
            str(a["created_at"]),
            a["reason"],
            reversed_,
        )
    console.print(table)


ACTION_HEADS = (
    *(N_("cli.cases.show.col.action"), N_("cli.cases.show.col.what")),
    *(N_("cli.cases.show.col.by"), N_("cli.cases.show.col.when")),
    *(N_("cli.cases.show.col.reason"), N_("cli.cases.show.col.reversed")),
)


@cases_app.command("open")
def open_cmd(
    ctx: typer.Context,
    subject_type: str,
    subject_id: int,
    summary: str = typer.Option(..., help="What is wrong (shown in the queue)."),
    severity: int = typer.Option(2, help="1 low .. 4 critical."),
) -> None:
    """Open a case by hand."""
    body = validated(
        cases.CaseIn,
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "summary": summary,
            "severity": severity,
        },
    )
    with open_store(ctx) as store, store.transaction() as conn:
        row = cases.open_manual(conn, cli_actor(), body)
    console.print(cli_msg("cli.cases.opened", id=row["id"]))


@cases_app.command("act")
def act_cmd(
    ctx: typer.Context,
    ident: int,
    action: str = typer.Argument(help=", ".join(sorted({a for a, _ in actions.EFFECTS}))),
    reason: str = typer.Option(..., help="Why (audited, shown to the owner)."),
) -> None:
    """Act on a case's subject: label, hide, throttle, remove, ban, revoke_link_privileges."""
    with open_store(ctx) as store, store.transaction() as conn:
        row = actions.take(conn, cli_actor(), ident, action, reason)
    console.print(
        cli_msg(
            "cli.cases.acted",
            id=row["id"],
            action=action,
            subject=row["subject_type"],
            subject_id=row["subject_id"],
        )
    )


@cases_app.command("act-group")
def act_group_cmd(
    ctx: typer.Context,
    group_key: str,
    action: str = typer.Argument(help=", ".join(sorted({a for a, _ in actions.EFFECTS}))),
    reason: str = typer.Option(..., help="Why (audited, shown to each owner)."),
) -> None:
    """Act on every case of a group (a water-army campaign's members) in one transaction."""
    with open_store(ctx) as store, store.transaction() as conn:
        done = groups.take(conn, cli_actor(), group_key, action, reason)
    taken, skipped = len(done["taken"]), len(done["skipped"])
    console.print(
        cli_msg("cli.cases.group", group=group_key, action=action, n=taken, skipped=skipped)
    )
    for s in done["skipped"]:
        why = messages.render(lang(), s.get("why_msg") or s["why"])
        console.print("  " + cli_msg("cli.cases.case_skipped", id=s["case_id"], why=why))


@cases_app.command("dismiss")
def dismiss_cmd(ctx: typer.Context, ident: int, reason: str = typer.Option(...)) -> None:
    """Close a case without action."""
    with open_store(ctx) as store, store.transaction() as conn:
        cases.dismiss(conn, cli_actor(), ident, reason)
    console.print(cli_msg("cli.cases.dismissed", id=ident))


@cases_app.command("reverse")
def reverse_cmd(ctx: typer.Context, action_id: int, reason: str = typer.Option(...)) -> None:
    """Reverse an action, restoring exactly the state it replaced."""
    with open_store(ctx) as store, store.transaction() as conn:
        actions.reverse(conn, cli_actor(), action_id, reason)
    console.print(cli_msg("cli.cases.reversed", id=action_id))


@cases_app.command("appeal")
def appeal_cmd(ctx: typer.Context, ident: int, statement: str = typer.Option(...)) -> None:
    """File an appeal on a case (on the owner's behalf)."""
    with open_store(ctx) as store, store.transaction() as conn:
        row = appeals.file(conn, cli_actor(), ident, statement)
    console.print(cli_msg("cli.cases.appeal_filed", id=row["id"], case=ident))


@cases_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    appeal_id: int,
    outcome: str = typer.Argument(help="upheld or overturned"),
    reason: str = typer.Option(...),
) -> None:
    """Decide an appeal; overturning reverses the case's actions."""
    body = validated(appeals.DecisionIn, {"outcome": outcome, "reason": reason})
    with open_store(ctx) as store, store.transaction() as conn:
        row = appeals.decide(conn, cli_actor(), appeal_id, body.outcome, body.reason)
    said = cli_msg("cli.cases.decided", id=appeal_id, outcome=term("case.outcome", body.outcome))
    if row["reversed_action_ids"]:
        said += cli_msg("cli.cases.reversed_actions", ids=row["reversed_action_ids"])
    console.print(said)

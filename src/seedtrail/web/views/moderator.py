"""The moderator's view: the case queue by severity and reach; each case's evidence (highlighted
spans, the campaign graph, its timeline), actions and appeal, with the forms to act, dismiss,
reverse and decide. Every read and write goes through :mod:`seedtrail.enforcement`, as the API's
``/cases`` routes do."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection
from starlette.responses import Response

from seedtrail import messages
from seedtrail.enforcement import actions, appeals, cases, groups
from seedtrail.errors import InvalidInput, validated
from seedtrail.messages import Msg
from seedtrail.principals import Principal
from seedtrail.web import charts, tables
from seedtrail.web.render import Ctx, action, page, redirect
from seedtrail.web.tables import Column

QUEUE_LIMIT = 1000
STATUSES = ("open", "actioned", "dismissed", "appealed", "overturned")


def load_queue(
    conn: Connection, actor: Principal, *, status: str | None, min_severity: int | None
) -> list[dict[str, Any]]:
    """The queue as ``GET /cases`` returns it for ``actor`` (severity, then reach)."""
    return cases.queue(
        conn, actor, {"status": status}, min_severity=min_severity, limit=QUEUE_LIMIT
    )


def load_case(conn: Connection, actor: Principal, case_id: int) -> dict[str, Any]:
    """One case as ``GET /cases/{id}`` returns it, plus the actions its subject can get."""
    out = cases.detail(conn, actor, case_id)
    out["allowed_actions"] = actions.allowed_for(out["subject_type"])
    return out


def localized(ctx: Ctx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cases as a reader sees them: summary, detector and subject in the page's language."""
    return [
        {
            **r,
            "summary": messages.render(ctx.lang, r.get("summary_msg") or r["summary"]),
            "detector": ctx.label_or("label", r["detector"]),
            "subject_type": ctx.label("subject", r["subject_type"]),
        }
        for r in rows
    ]


def case_link(row: dict[str, Any]) -> Markup:
    return Markup('<a href="/ui/moderator/cases/{}">{}</a>').format(row["id"], row["summary"])


@page
def queue_page(ctx: Ctx) -> Response:
    status = ctx.query.get("status") or None
    if status not in (None, *STATUSES):
        raise InvalidInput(Msg("web.error.case_status", {"statuses": ", ".join(STATUSES)}))
    sev = ctx.query.get("min_severity") or None
    if sev not in (None, "1", "2", "3", "4"):
        raise InvalidInput(Msg("web.error.min_severity"))
    with ctx.web.store.read() as conn:
        rows = load_queue(conn, ctx.user, status=status, min_severity=int(sev) if sev else None)
    rows = localized(ctx, rows)
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
        r["severity_label"] = ctx.label("severity", r["severity_name"])
    t = ctx.t
    table = tables.build(
        "cases",
        [
            Column("rank", "#", True),
            Column("id", "ID", True),
            Column("severity", t("col.severity"), True),
            Column("reach", t("col.reach"), True),
            Column("detector", t("col.detector")),
            Column("subject_type", t("col.subject")),
            Column("subject_id", t("col.subject_id"), True),
            Column("summary", t("col.summary")),
            Column("status", t("col.status")),
        ],
        rows,
        ctx.query,
        default_sort="rank",
        default_desc=False,
        empty=t("empty.cases"),
    )
    return ctx.render(
        "moderator.html",
        cases=table,
        status_filter=status or "",
        min_severity=sev or "",
        statuses=STATUSES,
        cells={
            "summary": case_link,
            "severity": _severity_cell(ctx),
            "status": lambda r: ctx.label("case.status", r["status"]),
        },
    )


def _severity_cell(ctx: Ctx) -> Any:
    def cell(row: dict[str, Any]) -> Markup:
        return Markup('<span class="sev sev{}" data-severity="{}">{}</span>').format(
            row["severity"], row["severity"], ctx.label("severity", row["severity_name"])
        )

    return cell


def _graph(ctx: Ctx, campaign: dict[str, Any], member: int | None) -> Markup:
    """Accounts (circles) and the notes they commented on (squares), from the timeline; without
    a timeline, every member to every target note."""
    nodes: dict[str, charts.Node] = {}
    edges: set[tuple[str, str]] = set()
    accounts = campaign.get("accounts") or []
    notes = campaign.get("notes") or []
    for a in accounts:
        nodes[f"a{a}"] = charts.Node(f"a{a}", f"{ctx.t('col.account')} {a}", "account", a == member)
    for n in notes:
        nodes[f"n{n}"] = charts.Node(f"n{n}", f"{ctx.t('col.note')} {n}", "note")
    timeline = campaign.get("timeline") or []
    for e in timeline:
        if e.get("account") is not None and e.get("note") is not None:
            edges.add((f"a{e['account']}", f"n{e['note']}"))
    if not timeline:
        edges = {(f"a{a}", f"n{n}") for a in accounts for n in notes}
    return charts.network(list(nodes.values())[:200], sorted(edges), label=ctx.t("case.graph"))


def _highlighted(evidence: dict[str, Any]) -> Markup | None:
    text = evidence.get("text")
    if not isinstance(text, str):
        return None
    spans = [
        (int(f["span"][0]), int(f["span"][1]), str(f.get("kind", "")))
        for f in evidence.get("findings", [])
        if isinstance(f.get("span"), list) and len(f["span"]) == 2
    ]
    return charts.highlight(text, spans)


@page
def case_page(ctx: Ctx) -> Response:
    case_id = int(ctx.request.path_params["ident"])
    with ctx.web.store.read() as conn:
        case = load_case(conn, ctx.user, case_id)
        key = case.get("group_key")
        group_size = groups.size(conn, key) if key else 0
    ev = case.get("evidence") or {}
    campaign = ev.get("campaign") if isinstance(ev.get("campaign"), dict) else None
    member = (ev.get("member") or {}).get("account_id") if campaign else None
    return ctx.render(
        "case.html",
        case=case,
        evidence=ev,
        highlighted=_highlighted(ev),
        campaign=campaign,
        graph=_graph(ctx, campaign, member) if campaign and campaign.get("accounts") else None,
        timeline=(campaign or {}).get("timeline") or [],
        staff=ctx.user.role in cases.STAFF,
        group_size=group_size,
        may_appeal=case["status"] == "actioned"
        and case["appeal"] is None
        and ctx.user.role in cases.OWNERS
        and ctx.user.account_id == case["owner_account_id"],
    )


def _back(case_id: int, done: str) -> Response:
    return redirect(f"/ui/moderator/cases/{case_id}?done={done}")


@action
def take_action(ctx: Ctx, form: dict[str, str]) -> Response:
    case_id = int(ctx.request.path_params["ident"])
    body = validated(
        actions.ActionIn, {"action": form.get("action"), "reason": form.get("reason", "")}
    )
    with ctx.web.store.transaction() as conn:
        actions.take(conn, ctx.user, case_id, body.action, body.reason)
    return _back(case_id, "actioned")


@action
def take_group_action(ctx: Ctx, form: dict[str, str]) -> Response:
    """The same action on every case of this case's group (a campaign's members)."""
    case_id = int(ctx.request.path_params["ident"])
    body = validated(
        groups.GroupActionIn, {"action": form.get("action"), "reason": form.get("reason", "")}
    )
    with ctx.web.store.transaction() as conn:
        key = cases.get(conn, ctx.user, case_id).get("group_key")
        if not key:
            raise InvalidInput(Msg("web.error.no_group", {"case_id": case_id}))
        done = groups.take(conn, ctx.user, key, body.action, body.reason)
    return _back(case_id, "group" if done["taken"] else "group_none")


@action
def dismiss(ctx: Ctx, form: dict[str, str]) -> Response:
    case_id = int(ctx.request.path_params["ident"])
    with ctx.web.store.transaction() as conn:
        cases.dismiss(conn, ctx.user, case_id, form.get("reason", ""))
    return _back(case_id, "dismissed")


@action
def reverse(ctx: Ctx, form: dict[str, str]) -> Response:
    action_id = int(ctx.request.path_params["ident"])
    body = validated(actions.ReverseIn, {"reason": form.get("reason", "")})
    with ctx.web.store.transaction() as conn:
        row = actions.reverse(conn, ctx.user, action_id, body.reason)
    return _back(int(row["case_id"]), "reversed")


@action
def decide_appeal(ctx: Ctx, form: dict[str, str]) -> Response:
    appeal_id = int(ctx.request.path_params["ident"])
    body = validated(
        appeals.DecisionIn, {"outcome": form.get("outcome"), "reason": form.get("reason", "")}
    )
    with ctx.web.store.transaction() as conn:
        row = appeals.decide(conn, ctx.user, appeal_id, body.outcome, body.reason)
    return _back(int(row["case_id"]), "decided")


@action
def file_appeal(ctx: Ctx, form: dict[str, str]) -> Response:
    case_id = int(ctx.request.path_params["ident"])
    body = validated(appeals.AppealIn, {"statement": form.get("statement", "")})
    with ctx.web.store.transaction() as conn:
        appeals.file(conn, ctx.user, case_id, body.statement)
    return _back(case_id, "appealed")

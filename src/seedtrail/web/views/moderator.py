"""The moderator's view: the case queue by severity and reach; each case's evidence (highlighted
spans, the campaign graph, its timeline), actions and appeal, with the forms to act, dismiss,
reverse and decide. Every read and write goes through :mod:`seedtrail.enforcement`, as the API's
``/cases`` routes do."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy import Connection
from starlette.responses import Response

from seedtrail.core.errors import InvalidInput, validated
from seedtrail.core.principals import Principal
from seedtrail.enforcement import actions, appeals, cases, groups, queue
from seedtrail.messages import Msg
from seedtrail.store import paging
from seedtrail.web import charts, tables
from seedtrail.web.render import Ctx, action, page, redirect
from seedtrail.web.tables import Column
from seedtrail.web.views import case_text
from seedtrail.web.views.case_text import Names

QUEUE_LIMIT = 1000
MEMBERS_SHOWN = 200
STATUSES = ("open", "actioned", "dismissed", "appealed", "overturned")


def load_queue(
    conn: Connection,
    actor: Principal,
    *,
    status: str | None,
    min_severity: int | None,
    after: str | None = None,
) -> paging.Page:
    """A window of the queue as ``GET /cases`` returns it for ``actor`` (severity, then reach):
    the top ``QUEUE_LIMIT`` cases, or those after the cursor ``after``."""
    return queue.page(
        conn,
        actor,
        {"status": status},
        min_severity=min_severity,
        limit=QUEUE_LIMIT,
        cursor=after,
    )


def load_case(conn: Connection, actor: Principal, case_id: int) -> dict[str, Any]:
    """One case as ``GET /cases/{id}`` returns it, plus the actions its subject can get."""
    out = cases.detail(conn, actor, case_id)
    out["allowed_actions"] = actions.offered(conn, out)
    out["group_actions"] = actions.group_offered(out)
    return out


def label_rows(ctx: Ctx, rows: list[dict[str, object]], names: Names) -> None:
    """Set each queued case's summary, subject and detector in the reader's language."""
    for r in rows:
        r["summary_text"] = case_text.summary(ctx.t, r, names)
        r["subject_label"] = case_text.subject(ctx.t, r, names)
        r["detector_label"] = case_text.term(ctx.t, "detector", r["detector"])


def case_link(row: dict[str, object]) -> Markup:
    return Markup('<a href="/ui/moderator/cases/{}">{}</a>').format(row["id"], row["summary_text"])


@page
def queue_page(ctx: Ctx) -> Response:
    status = ctx.query.get("status") or None
    if status not in (None, *STATUSES):
        raise InvalidInput(Msg("web.error.case_status", {"statuses": ", ".join(STATUSES)}))
    sev = ctx.query.get("min_severity") or None
    if sev not in (None, "1", "2", "3", "4"):
        raise InvalidInput(Msg("web.error.min_severity"))
    after = ctx.query.get("after") or None
    with ctx.web.store.read() as conn:
        window = load_queue(
            conn, ctx.user, status=status, min_severity=int(sev) if sev else None, after=after
        )
        rows = window.rows
        names = Names.load(conn, *case_text.ids_of(rows))
    label_rows(ctx, rows, names)
    for rank, r in enumerate(rows, start=window.position + 1):
        r["rank"] = rank
        r["severity_label"] = ctx.label("severity", r["severity_name"])
    t = ctx.t
    table = tables.build(
        "cases",
        [
            Column("rank", "#", True),
            Column("id", "ID", True),
            Column("severity", t("col.severity"), True),
            Column("reach", t("col.reach"), True, api="reach"),
            Column("detector_label", t("col.detector")),
            Column("subject_label", t("col.subject")),
            Column("summary_text", t("col.summary")),
            Column("status", t("col.status")),
        ],
        rows,
        ctx.query,
        default_sort="rank",
        default_desc=False,
        empty=t("empty.cases"),
        source=tables.Source(f"/cases?{urlencode(ctx.query)}", "[id={id}]"),
    )
    return ctx.render(
        "moderator.html",
        cases=table,
        status_filter=status or "",
        min_severity=sev or "",
        statuses=STATUSES,
        window=window,
        window_size=QUEUE_LIMIT,
        cells={
            "summary_text": case_link,
            "severity": _severity_cell(ctx),
            "status": lambda r: ctx.label("case.status", r["status"]),
        },
    )


def _severity_cell(ctx: Ctx) -> Any:
    def cell(row: dict[str, object]) -> Markup:
        return Markup('<span class="sev sev{}" data-severity="{}">{}</span>').format(
            row["severity"], row["severity"], ctx.label("severity", row["severity_name"])
        )

    return cell


def _graph(ctx: Ctx, campaign: dict[str, Any], member: int | None, names: Names) -> Markup:
    """Accounts (circles) and the notes they commented on (squares), from the timeline; without
    a timeline, every member to every target note."""
    nodes: dict[str, charts.Node] = {}
    edges: set[tuple[str, str]] = set()
    accounts = campaign.get("accounts") or []
    notes = campaign.get("notes") or []
    for a in accounts:
        nodes[f"a{a}"] = charts.Node(f"a{a}", names.account(a), "account", a == member)
    for n in notes:
        nodes[f"n{n}"] = charts.Node(f"n{n}", names.note(n), "note")
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
    case_id = ctx.ident
    with ctx.web.store.read() as conn:
        case = load_case(conn, ctx.user, case_id)
        key = case.get("group_key")
        staff = ctx.user.role in cases.STAFF
        campaign_case = case["subject_type"] == "campaign"
        group_size = groups.size(conn, key) if key and campaign_case else 0
        members = (
            queue.rows(conn, ctx.user, {"parent_id": case_id}, limit=MEMBERS_SHOWN)
            if campaign_case and staff
            else []
        )
        ev = case.get("evidence") or {}
        campaign = ev.get("campaign") if isinstance(ev.get("campaign"), dict) else None
        names = _names(conn, case, campaign, members)
    member = (ev.get("member") or {}).get("account_id") if campaign else None
    for m in members:
        m["status_label"] = ctx.label("case.status", m["status"])
    detector_ev: dict[str, object] = ev["detector"] if isinstance(ev.get("detector"), dict) else {}
    return ctx.render(
        "case.html",
        case=case,
        summary=case_text.summary(ctx.t, case, names),
        subject=case_text.subject(ctx.t, case, names),
        detector=case_text.term(ctx.t, "detector", case["detector"]),
        kind_label=lambda k: case_text.term(ctx.t, "kind", k),
        action_label=lambda a: case_text.term(ctx.t, "action", a),
        names=names,
        evidence=ev,
        highlighted=_highlighted(ev),
        campaign=campaign,
        campaign_case=campaign_case,
        ties=case_text.ties(ctx.t, detector_ev),
        members=members,
        graph=_graph(ctx, campaign, member, names)
        if campaign and campaign.get("accounts")
        else None,
        timeline=(campaign or {}).get("timeline") or (ev.get("member") or {}).get("comments") or [],
        staff=staff,
        group_size=group_size,
        may_appeal=case["status"] == "actioned"
        and case["appeal"] is None
        and ctx.user.role in cases.OWNERS
        and ctx.user.account_id == case["owner_account_id"],
    )


def _names(
    conn: Connection,
    case: dict[str, Any],
    campaign: dict[str, Any] | None,
    members: list[dict[str, Any]],
) -> Names:
    """Handles and titles of everything the case page names."""
    accounts, notes = case_text.ids_of([case, *members])
    params = case.get("summary_params") or {}
    accounts.append(params.get("account"))
    if campaign:
        accounts += list(campaign.get("accounts") or [])
        notes += list(campaign.get("notes") or [])
    ev = case.get("evidence") or {}
    for e in (campaign or {}).get("timeline") or (ev.get("member") or {}).get("comments") or []:
        accounts.append(e.get("account"))
        notes.append(e.get("note"))
    if ev.get("note_id") is not None:
        notes.append(ev["note_id"])
    return Names.load(conn, accounts, notes)


def _back(case_id: int, done: str) -> Response:
    return redirect(f"/ui/moderator/cases/{case_id}?done={done}")


@action
def take_action(ctx: Ctx, form: dict[str, str]) -> Response:
    case_id = ctx.ident
    body = validated(
        actions.ActionIn, {"action": form.get("action"), "reason": form.get("reason", "")}
    )
    with ctx.web.store.transaction() as conn:
        actions.take(conn, ctx.user, case_id, body.action, body.reason)
    return _back(case_id, "actioned")


@action
def take_group_action(ctx: Ctx, form: dict[str, str]) -> Response:
    """The same action on every case of this case's group (a campaign's members)."""
    case_id = ctx.ident
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
    case_id = ctx.ident
    with ctx.web.store.transaction() as conn:
        cases.dismiss(conn, ctx.user, case_id, form.get("reason", ""))
    return _back(case_id, "dismissed")


@action
def reverse(ctx: Ctx, form: dict[str, str]) -> Response:
    action_id = ctx.ident
    body = validated(actions.ReverseIn, {"reason": form.get("reason", "")})
    with ctx.web.store.transaction() as conn:
        row = actions.reverse(conn, ctx.user, action_id, body.reason)
    return _back(int(row["case_id"]), "reversed")


@action
def decide_appeal(ctx: Ctx, form: dict[str, str]) -> Response:
    appeal_id = ctx.ident
    body = validated(
        appeals.DecisionIn, {"outcome": form.get("outcome"), "reason": form.get("reason", "")}
    )
    with ctx.web.store.transaction() as conn:
        row = appeals.decide(conn, ctx.user, appeal_id, body.outcome, body.reason)
    return _back(int(row["case_id"]), "decided")


@action
def file_appeal(ctx: Ctx, form: dict[str, str]) -> Response:
    case_id = ctx.ident
    body = validated(appeals.AppealIn, {"statement": form.get("statement", "")})
    with ctx.web.store.transaction() as conn:
        appeals.file(conn, ctx.user, case_id, body.statement)
    return _back(case_id, "appealed")

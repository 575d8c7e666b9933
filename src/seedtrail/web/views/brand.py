"""The brand's view: campaigns and their notes, boost spend and clicks over time, and the
attribution report (funnel, GMV and ROAS, credit, model comparison, lift) with its sample rates
and confidence intervals; CSV export of what is shown."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection, func, select
from starlette.responses import Response

from seedtrail.attribution import metrics
from seedtrail.community import campaigns
from seedtrail.core import resources
from seedtrail.core.errors import Forbidden, ReportOutdated
from seedtrail.core.principals import Principal
from seedtrail.enforcement import subjects
from seedtrail.links import clickstats
from seedtrail.store.schema import campaign_notes, campaign_spend
from seedtrail.web import charts, report_view, tables
from seedtrail.web.render import Ctx, page
from seedtrail.web.tables import Column, Source, figure


def load_campaigns(conn: Connection, actor: Principal) -> list[dict[str, object]]:
    """Campaigns ``actor`` may read (as ``GET /campaigns``), with notes and total spend."""
    rows = resources.list_rows(conn, campaigns.RESOURCE, actor, {}, limit=1000)
    ids = [r["id"] for r in rows]
    spend: dict[int, Any] = dict(
        conn.execute(
            select(campaign_spend.c.campaign_id, func.sum(campaign_spend.c.amount))
            .where(campaign_spend.c.campaign_id.in_(ids))
            .group_by(campaign_spend.c.campaign_id)
        ).all()
    )
    n_notes: dict[int, int] = dict(
        conn.execute(
            select(campaign_notes.c.campaign_id, func.count())
            .where(campaign_notes.c.campaign_id.in_(ids))
            .group_by(campaign_notes.c.campaign_id)
        ).all()
    )
    handles, _ = subjects.names(conn, [r["brand_id"] for r in rows], [])
    for r in rows:
        r["spend"] = float(spend.get(r["id"]) or 0)
        r["notes"] = int(n_notes.get(r["id"]) or 0)
        r["brand"] = f"@{handles[r['brand_id']]}" if r["brand_id"] in handles else None
    return rows


def load_campaign(conn: Connection, actor: Principal, campaign_id: int) -> dict[str, Any]:
    """One campaign (as ``GET /campaigns/{id}``), its spend per day and note, and the counted
    clicks on its notes that ``actor`` may see (as ``GET /clicks``)."""
    row = resources.get(conn, campaigns.RESOURCE, actor, campaign_id)
    spend = campaigns.spend_rows(conn, campaign_id)
    note_ids = sorted(
        set(
            conn.execute(
                select(campaign_notes.c.note_id).where(campaign_notes.c.campaign_id == campaign_id)
            ).scalars()
        )
    )
    per_day: dict[str, Decimal] = defaultdict(Decimal)
    per_note: dict[int, Decimal] = defaultdict(Decimal)
    for s in spend:
        per_day[s["day"].isoformat()] += s["amount"]
        per_note[s["note_id"]] += s["amount"]
    try:
        clicks_by_day: list[tuple[str, int]] | None = clickstats.per_day(
            conn, actor, note_ids=note_ids
        )
    except Forbidden:  # a role that reads no clicks (a moderator): the campaign without them
        clicks_by_day = None
    _, titles = subjects.names(conn, [], note_ids)
    notes = [
        {"note_id": n, "title": titles.get(n, f"#{n}"), "spend": float(per_note.get(n, 0))}
        for n in note_ids
    ]
    return {
        "campaign": row,
        "notes": notes,
        "spend_per_day": sorted((d, float(v)) for d, v in per_day.items()),
        "clicks_per_day": clicks_by_day or [],
        "spend_total": float(sum(per_note.values(), Decimal(0))),
        "clicks_total": None if clicks_by_day is None else sum(n for _, n in clicks_by_day),
    }


@page
def campaigns_page(ctx: Ctx) -> Response:
    with ctx.web.store.read() as conn:
        rows = load_campaigns(conn, ctx.user)
    t, m = ctx.t, ctx.m
    table = tables.build(
        "campaigns",
        [
            Column("id", "ID", True),
            Column("name", t("col.name")),
            Column("brand", t("col.brand")),
            Column("starts_on", t("col.starts")),
            Column("ends_on", t("col.ends")),
            Column("status", t("col.status"), term="state"),
            Column("notes", t("col.notes"), True),
            figure("spend", m("spend"), api="+amount"),
        ],
        rows,
        ctx.query,
        default_sort="id",
        empty=t("empty.campaigns"),
        source=Source("/campaigns/{id}/spend", ""),
    )
    return ctx.render("brand.html", campaigns=table, campaign_link=_campaign_link)


def _campaign_link(row: dict[str, object]) -> Markup:
    return Markup('<a href="/ui/brand/campaigns/{}">{}</a>').format(row["id"], row["name"])


@page
def campaign_page(ctx: Ctx) -> Response:
    ident = ctx.ident
    with ctx.web.store.read() as conn:
        data = load_campaign(conn, ctx.user, ident)
    outdated, not_theirs = None, False
    try:
        report = report_view.load(
            ctx.request, ctx.web.store, ctx.user, ident, ctx.query.get("model")
        )
    except ReportOutdated as exc:  # the campaign's own figures still show; the report says why
        report, outdated = None, exc.detail
    except Forbidden:  # a role that reads no attribution (a moderator): the campaign without it
        report, not_theirs = None, True
    t, m = ctx.t, ctx.m
    if report and report.funnel:  # one definition of counted clicks: the report's, as the funnel
        data["clicks_total"] = report.funnel["clicks"]
        data["clicks_per_day"] = [(d["key"], d["clicks"]) for d in report.days]
    sections = _report_tables(ctx, report, ident) if report else {}
    notes = tables.build(
        "notes",
        [
            Column("title", t("col.note")),
            figure("spend", m("spend")),
        ],
        data["notes"],
        ctx.query,
        default_sort="spend",
        empty=t("empty.campaign_notes"),
    )
    spend_chart = charts.line(
        [charts.Series(m("spend"), data["spend_per_day"])],
        label=t("brand.spend_per_day"),
        digits=2,
    )

    def marker(value: Any) -> Markup:
        return report_view.flag_marker(t, value)

    clicks_chart = charts.line(
        [charts.Series(m("clicks"), [(d, float(n)) for d, n in data["clicks_per_day"]])],
        label=t("brand.clicks_per_day"),
    )
    return ctx.render(
        "campaign.html",
        data=data,
        notes=notes,
        spend_chart=spend_chart,
        clicks_chart=clicks_chart,
        report=report,
        report_outdated=outdated,
        attribution_not_theirs=not_theirs,
        funnel_chart=report_view.funnel_chart,
        daily_charts=report_view.daily_charts,
        figure=report_view.figure,
        sample_rate=report_view.sample_rate,
        flag_marker=marker,
        flagged=report is not None and report_view.any_flagged(report),
        flag_cells={"backhaul_flags": lambda r: marker(r["backhaul_flags"])},
        interval_method=lambda key: metrics.interval_text(key, ctx.lang),
        advice_text=report_view.advice_text,
        **sections,
    )


def _figure_columns(m: Any) -> list[Column]:
    """A report row's figures, each cell pointing at its value in the API's row."""
    return [
        Column("reads", m("reads"), True, api="reads"),
        Column("clicks", m("clicks"), True, api="clicks"),
        figure("purchases", m("purchases"), api="purchases/scaled"),
        Column("purchases_ci", "95% CI"),
        figure("gmv", m("gmv"), api="gmv/scaled"),
        Column("gmv_ci", "95% CI"),
        figure("spend", m("spend"), api="spend"),
        figure("roas", m("roas"), api="roas"),
        Column("sample_rate", m("sample_rate")),
        Column("backhaul_flags", m("backhaul_flags")),
    ]


def _report_tables(ctx: Ctx, report: report_view.ReportView, ident: int) -> dict[str, Any]:
    t, m = ctx.t, ctx.m
    figures = _figure_columns(m)
    per_model = [report_view.flat(row) for row in report.models]
    for row in per_model:
        row["model_key"], row["model"] = row["model"], ctx.label("model", row["model"])
    at = f"/attribution/campaigns/{ident}"
    run_model = report.run["model"]
    return {
        "compare": tables.build(
            "models",
            [Column("model", t("brand.model"))]
            + [
                c
                for c in figures
                if c.key in ("purchases", "purchases_ci", "gmv", "gmv_ci", "roas")
            ],
            per_model,
            ctx.query,
            default_sort="gmv",
            empty=t("empty.campaign_report"),
            source=Source(f"{at}/models", "models/[model={model_key}]"),
        ),
        "credit_notes": tables.build(
            "credit",
            [Column("title", t("col.note")), *figures],
            [report_view.flat(n) for n in report.notes],
            ctx.query,
            default_sort="gmv",
            empty=t("empty.campaign_report"),
            source=Source(f"{at}?model={run_model}", "notes/[key={key}]"),
        ),
        "credit_creators": tables.build(
            "creators",
            [
                Column("key", t("col.account")),
                Column("notes", t("col.notes"), True),
                Column("reads", m("reads"), True),
                Column("clicks", m("clicks"), True),
                figure("purchases", m("purchases")),
                figure("gmv", m("gmv")),
                figure("spend", m("spend")),
                figure("roas", m("roas")),
            ],
            report.creators,
            ctx.query,
            default_sort="gmv",
            empty=t("empty.campaign_report"),
        ),
        "attributed": tables.build(
            "lift",
            [
                Column("attributed_purchases", m("attributed_purchases"), True),
                Column("incremental_purchases", m("incremental_purchases"), True),
                Column("overcount_purchases", m("overcount"), True),
                Column("attributed_gmv", m("attributed_gmv"), True),
                Column("incremental_gmv", m("incremental_gmv"), True),
                Column("overcount_gmv", m("overcount"), True),
            ],
            report.attributed,
            ctx.query,
            empty=t("empty.lift"),
        ),
    }


EXPORT_FIGURES = (
    "reads",
    "clicks",
    "purchases",
    "purchases_ci",
    "gmv",
    "gmv_ci",
    "sample_rate",
    "backhaul_flags",  # the kinds of degraded backhaul behind the row, comma-separated
)


@page
def export_csv(ctx: Ctx) -> Response:
    """The campaign's notes with their spend and, when a report is published, their funnel
    figures under the chosen model (scaled, with the 95% interval and sample rate)."""
    ident = ctx.ident
    model = ctx.query.get("model")
    with ctx.web.store.read() as conn:
        data = load_campaign(conn, ctx.user, ident)
    try:
        report = report_view.load(ctx.request, ctx.web.store, ctx.user, ident, model)
    except Forbidden:  # a role that reads no attribution: the notes and their spend only
        report = None
    credit = {str(n["key"]): report_view.flat(n) for n in report.notes} if report else {}
    buf = io.StringIO()
    w = csv.writer(buf)
    head = ["campaign_id", "note_id", "note_title", "spend"]
    if report:
        head += ["model", *EXPORT_FIGURES]
    w.writerow(head)
    for n in data["notes"]:
        row: list[Any] = [ident, n["note_id"], n["title"], f"{n['spend']:.2f}"]
        if report:
            c = credit.get(str(n["note_id"]), {})
            row += [report.run["model"], *(c.get(k, "") for k in EXPORT_FIGURES)]
        w.writerow(row)
    return Response(
        "\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{ident}.csv"',
            "Cache-Control": "no-store",
        },
    )

"""The creator's view: own notes, the links mounted on them and how those links perform, and
each note's attributed purchases and GMV from the published report (one batched read through
the report reader behind ``GET /attribution/notes``: the same visibility and clean-room release)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from starlette.requests import Request
from starlette.responses import Response

from seedtrail.attribution import reader
from seedtrail.attribution.report_json import Run, scaled_value
from seedtrail.community import notes
from seedtrail.core import resources
from seedtrail.core.errors import Forbidden, ReportOutdated
from seedtrail.core.principals import Principal
from seedtrail.enforcement import cases, queue, subjects
from seedtrail.links import clickstats, mounts
from seedtrail.store.schema import offers
from seedtrail.web import charts, tables
from seedtrail.web.render import Ctx, page
from seedtrail.web.tables import Column, figure
from seedtrail.web.views import case_text, moderator
from seedtrail.web.views.case_text import Names

LIMIT = 1000


def _name_mounts(
    conn: Connection, note_rows: list[dict[str, Any]], mount_rows: list[dict[str, Any]]
) -> None:
    """Each mount's note by title and offer by title (names on the page, not ids)."""
    titles = {n["id"]: n["title"] for n in note_rows}
    missing = [m["note_id"] for m in mount_rows if m["note_id"] not in titles]
    titles.update(subjects.names(conn, [], [i for i in missing if i is not None])[1])
    offer_ids = sorted({m["offer_id"] for m in mount_rows if m.get("offer_id") is not None})
    query = select(offers.c.id, offers.c.title).where(offers.c.id.in_(offer_ids))
    offer_titles = dict(conn.execute(query).all()) if offer_ids else {}
    for m in mount_rows:
        n, o = m["note_id"], m.get("offer_id")
        m["note"] = titles.get(n, f"#{n}") if n is not None else None
        m["offer"] = offer_titles.get(o, f"#{o}") if o is not None else None


def load_creator(conn: Connection, actor: Principal) -> dict[str, Any]:
    """Notes and mounts as the API lists them for ``actor``, with click counts per mount."""
    note_rows = resources.list_rows(conn, notes.NOTES, actor, {}, limit=LIMIT)
    mount_rows = resources.list_rows(conn, mounts.RESOURCE, actor, {}, limit=LIMIT)
    per_mount = clickstats.per_mount(conn, actor)
    for m in mount_rows:
        c = per_mount.get(m["id"], {"clicks": 0, "counted": 0})
        m.update(clicks=c["clicks"], counted=c["counted"])
    _name_mounts(conn, note_rows, mount_rows)
    per_note: dict[int, int] = {}
    for m in mount_rows:
        if m["note_id"] is not None:
            per_note[m["note_id"]] = per_note.get(m["note_id"], 0) + m["counted"]
    for n in note_rows:
        n["clicks"] = per_note.get(n["id"], 0)
        n["mounts"] = sum(1 for m in mount_rows if m["note_id"] == n["id"])
    own_cases = queue.rows(conn, actor, {}, limit=LIMIT) if actor.role in cases.OWNERS else []
    return {
        "cases": own_cases,
        "case_names": Names.load(conn, *case_text.ids_of(own_cases)),
        "notes": note_rows,
        "mounts": mount_rows,
        "per_day": clickstats.per_day(conn, actor),
        "truncated": len(note_rows) >= LIMIT or len(mount_rows) >= LIMIT,
    }


def attributed(
    request: Request, conn: Connection, actor: Principal, note_rows: list[dict[str, Any]]
) -> Run | None:
    """Each note's attributed purchases and GMV (scaled) as ``GET /attribution/notes`` gives
    them to ``actor``, set on ``note_rows`` (None where withheld or absent); the report's run,
    or None before any report."""
    src = reader.Source.of(request.app.state)
    body = reader.notes_report(src, conn, actor, [n["id"] for n in note_rows], None)
    funnels = {str(r["key"]): r for r in body["notes"]}
    for n in note_rows:
        f = funnels.get(str(n["id"]), {})
        n["purchases"] = scaled_value(f, "purchases")
        n["gmv"] = scaled_value(f, "gmv")
    return body["run"]


def _case_table(ctx: Ctx, data: dict[str, Any]) -> tables.Table:
    """The creator's own cases, summaries in the reader's language."""
    t = ctx.t
    moderator.label_rows(ctx, data["cases"], data["case_names"])
    return tables.build(
        "cases",
        [
            Column("id", "ID", True),
            Column("severity", t("col.severity"), True),
            Column("detector_label", t("col.detector")),
            Column("subject_label", t("col.subject")),
            Column("summary_text", t("col.summary")),
            Column("status", t("col.status"), term="case.status"),
        ],
        data["cases"],
        ctx.query,
        default_sort="id",
        empty=t("empty.own_cases"),
    )


@page
def creator_page(ctx: Ctx) -> Response:
    run, outdated = None, None
    with ctx.web.store.read() as conn:
        data = load_creator(conn, ctx.user)
        try:
            run = attributed(ctx.request, conn, ctx.user, data["notes"])
        except ReportOutdated as exc:  # clicks still show; the notes table says why no figures
            outdated = exc.detail
        except Forbidden:  # a role that reads no attribution (a moderator): clicks only
            pass
    t, m = ctx.t, ctx.m
    note_table = tables.build(
        "notes",
        [
            Column("id", "ID", True),
            Column("title", t("col.title")),
            Column("category", t("col.category"), term="category"),
            Column("status", t("col.status"), term="state"),
            Column("published_at", t("col.published"), when=True),
            Column("mounts", t("col.mounts"), True),
            Column("clicks", m("clicks"), True),
            figure("purchases", m("purchases"), api="purchases/scaled"),
            figure("gmv", m("gmv"), api="gmv/scaled"),
        ],
        data["notes"],
        ctx.query,
        default_sort="published_at",
        empty=t("empty.notes"),
        source=tables.Source("/attribution/notes?ids={id}", "notes/[key={id}]") if run else None,
    )
    mount_table = tables.build(
        "mounts",
        [
            Column("id", "ID", True),
            Column("code", t("col.code")),
            Column("placement", t("col.placement"), term="placement"),
            Column("note", t("col.note"), user_text=True),
            Column("offer", t("col.offer"), user_text=True),
            Column("status", t("col.status"), term="state"),
            Column("clicks", t("col.clicks"), True),
            Column("counted", m("clicks"), True, api="#"),
        ],
        data["mounts"],
        ctx.query,
        default_sort="counted",
        empty=t("empty.mounts"),
        source=tables.Source("/clicks?mount_id={id}&counted_only=true&limit=1000", ""),
    )
    chart = charts.line(
        [charts.Series(m("clicks"), [(d, float(n)) for d, n in data["per_day"]])],
        label=t("creator.clicks_per_day"),
    )
    total = sum(m["counted"] for m in data["mounts"])
    case_table = _case_table(ctx, data)
    return ctx.render(
        "creator.html",
        notes=note_table,
        mounts=mount_table,
        chart=chart,
        cases=case_table,
        case_cells={"summary_text": moderator.case_link},
        total=total,
        truncated=data["truncated"],
        run=run,
        k=ctx.web.settings.cleanroom_k,
        report_outdated=outdated,
    )

"""The operator's view: link policy rules, partners and their kill switches, the audit log, and
a preview of which live links a change would close."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response

from seedtrail import messages
from seedtrail.core import resources
from seedtrail.core.errors import InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.enforcement import subjects
from seedtrail.links import partners, preview, rules
from seedtrail.messages import Msg
from seedtrail.store import audit, paging
from seedtrail.web import tables
from seedtrail.web.render import Ctx, action, page, redirect, row_id
from seedtrail.web.tables import Column

AUDIT_PAGE = 25


def load_policy(conn: Connection, actor: Principal) -> dict[str, Any]:
    """Rules and partners as the API lists them for ``actor``; a rule names its partner by the
    partner's name (a moderator lists no partners, yet reads which one a rule is about)."""
    rule_rows = resources.list_rows(conn, rules.RESOURCE, actor, {}, limit=1000)
    partner_rows = resources.list_rows(conn, partners.RESOURCE, actor, {}, limit=1000)
    labels = partners.labels(conn)
    for r in rule_rows:
        r["partner"] = labels[r["partner_id"]][1] if r["partner_id"] else "*"
        r["category"] = r["category"] or "*"
        r["placement"] = r["placement"] or "*"
    return {"rules": rule_rows, "partners": partner_rows}


def load_audit(
    conn: Connection,
    actor: Principal,
    *,
    page_no: int,
    action_prefix: str | None,
    after: str | None = None,
) -> paging.Page:
    """A page of the audit log: after the cursor ``after`` (the next link), else by number (an
    offset, bounded: deep pages are reached by the next link)."""
    audit.require_reader(actor)
    offset = 0 if after else (page_no - 1) * AUDIT_PAGE
    return audit.page(
        conn, action_prefix=action_prefix or None, limit=AUDIT_PAGE, offset=offset, cursor=after
    )


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


@page
def policy_page(ctx: Ctx) -> Response:
    actor = ctx.user
    page_no = _int(ctx.query.get("audit.page"), 1)
    prefix = ctx.query.get("audit.action") or ""
    with ctx.web.store.read() as conn:
        data = load_policy(conn, actor)
        entries = load_audit(
            conn,
            actor,
            page_no=page_no,
            action_prefix=prefix,
            after=ctx.query.get("audit.after") or None,
        )
    t = ctx.t
    rule_table = tables.build(
        "rules",
        [
            Column("id", "ID", True),
            Column("name", t("col.name"), user_text=True),
            Column("effect", t("col.effect"), term=rules.RESOURCE.terms["effect"]),
            Column("partner", t("col.partner")),
            Column("category", t("col.category"), term="category"),
            Column("placement", t("col.placement"), term=rules.RESOURCE.terms["placement"]),
            Column("min_followers", t("col.min_followers"), True),
            Column("enabled", t("col.enabled")),
        ],
        data["rules"],
        ctx.query,
        default_sort="id",
        default_desc=False,
        empty=t("empty.rules"),
    )
    partner_table = tables.build(
        "partners",
        [
            Column("id", "ID", True),
            Column("slug", t("col.slug")),
            Column("name", t("col.name")),
            Column("kind", t("col.kind"), term=partners.RESOURCE.terms["kind"]),
            Column("declared_sample_rate", t("col.sample_rate"), True, percent=True),
            Column("links_enabled", t("col.links_enabled")),
        ],
        data["partners"],
        ctx.query,
        default_sort="id",
        default_desc=False,
        empty=t("empty.partners"),
    )
    return ctx.render(
        "operator.html",
        rules=rule_table,
        partners=partner_table,
        audit=entries.rows,
        audit_page=entries.position // AUDIT_PAGE + 1,
        audit_prev=entries.position and entries.position - AUDIT_PAGE <= paging.MAX_OFFSET,
        audit_next=entries.next,
        audit_action=prefix,
        may_switch=actor.role == "operator",
    )


def _change(form: dict[str, str]) -> preview.Change:
    try:
        if form.get("kind") == "kill_switch":
            return preview.Change(
                partner_id=row_id(form["partner_id"], "partner_id"), links_enabled=False
            )
        patch: dict[str, Any] = {}
        if form.get("enabled") in ("true", "false"):
            patch["enabled"] = form["enabled"] == "true"
        if form.get("effect") in ("open", "closed"):
            patch["effect"] = form["effect"]
        if form.get("min_followers", "").strip():
            patch["min_followers"] = int(form["min_followers"])
        return preview.Change(rule_id=row_id(form["rule_id"], "rule_id"), rule_patch=patch)
    except (KeyError, ValueError) as exc:
        raise InvalidInput(Msg("web.error.preview_form", {"field": str(exc)})) from exc


@page
def preview_page(ctx: Ctx) -> Response:
    change = _change(ctx.query)
    with ctx.web.store.read() as conn:
        result = preview.run(conn, ctx.user, change)
        _, titles = subjects.names(conn, [], [c["note_id"] for c in result.closes if c["note_id"]])
    closes = tables.build(
        "closes",
        [
            Column("mount_id", ctx.t("col.mount"), True),
            Column("code", ctx.t("col.code")),
            Column("placement", ctx.t("col.placement"), term="placement"),
            Column("note", ctx.t("col.note"), user_text=True),
            Column("reason", ctx.t("col.reason")),
        ],
        [
            {
                **c,
                "note": titles.get(c["note_id"], f"#{c['note_id']}") if c["note_id"] else None,
                "reason": messages.render(ctx.lang, c["reason_msg"]),
            }
            for c in result.closes
        ],
        ctx.query,
        default_sort="mount_id",
        default_desc=False,
        empty=ctx.t("empty.preview"),
    )
    return ctx.render("preview.html", result=result, closes=closes, change=change)


@action
def kill_switch(ctx: Ctx, form: dict[str, str]) -> Response:
    pid = ctx.ident
    enabled = form.get("links_enabled") == "true"
    with ctx.web.store.transaction() as conn:
        partners.set_links_enabled(conn, ctx.user, pid, enabled, form.get("reason", ""))
    return redirect(f"/ui/operator?done={'reopened' if enabled else 'closed'}")

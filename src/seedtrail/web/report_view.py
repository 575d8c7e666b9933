"""How a brand sees the published attribution report on a campaign page.

The figures come from the report reader the API's routes call too
(:mod:`seedtrail.attribution.reader`), with the signed-in principal: the same authorization, the
same JSON shapes and therefore the same numbers as ``GET /attribution/...``. This
module only arranges them: the funnel, scaled figures beside their 95% intervals and sample
rates, models side by side, lift against the holdout, credit by note and by creator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from starlette.requests import Request

from seedtrail import messages
from seedtrail.attribution import metrics, reader
from seedtrail.attribution.report_json import LiftJSON, ModelCredit, RowJSON, Run, scaled_value
from seedtrail.core.principals import Principal
from seedtrail.messages import N_
from seedtrail.store.store import Store
from seedtrail.web import charts


@dataclass
class ReportView:
    """One campaign's slice of the published report, under one model."""

    run: Run
    funnel: RowJSON | None
    notes: list[RowJSON] = field(default_factory=list)
    models: list[ModelCredit] = field(default_factory=list)
    lift: LiftJSON | None = None
    attributed: list[RowJSON] = field(default_factory=list)
    creators: list[RowJSON] = field(default_factory=list)
    k: int | None = None  # the clean room's k, when the API withheld something from this reader
    notes_other: RowJSON | None = None  # notes under k, summed (clean-room rule)
    days: list[RowJSON] = field(default_factory=list)  # GMV, spend, ROAS per day
    days_other: RowJSON | None = None  # days under k, summed (clean-room rule)


def load(
    request: Request, store: Store, actor: Principal, campaign_id: int, model: str | None
) -> ReportView | None:
    """The campaign's report as the API returns it to ``actor``; None before any report. The
    four reads run side by side (each on its own connection; DuckDB releases the GIL)."""
    src = reader.Source.of(request.app.state)

    def call(fn: Callable[..., reader.Body], *args: Any) -> reader.Body:
        with store.read() as conn:
            return fn(src, conn, actor, campaign_id, *args)

    with ThreadPoolExecutor(max_workers=4) as pool:
        f_funnel = pool.submit(call, reader.campaign_funnel, model)
        f_models = pool.submit(call, reader.campaign_models)
        f_lift = pool.submit(call, reader.campaign_lift)
        f_daily = pool.submit(call, reader.campaign_daily, model)
        funnel, models, lift = f_funnel.result(), f_models.result(), f_lift.result()
        days = f_daily.result()
    if funnel["run"] is None:
        return None
    view = ReportView(
        run=funnel["run"],
        funnel=funnel["funnel"],
        notes=funnel["notes"],
        models=models["models"],
        lift=lift["lift"],
        attributed=[a for a in lift["attributed"] if a.get("model") == funnel["run"]["model"]],
        notes_other=funnel.get("notes_other"),
        days=days["days"],
        days_other=days["days_other"],
    )
    if actor.role != "operator":
        view.k = funnel.get("k")
    view.creators = by_creator(view.notes)
    return view


def by_creator(note_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The campaign notes' credit summed per note author, named by handle as the API names each
    note row (scaled figures only: the intervals of notes sharing conversions do not add up, so
    none is shown for the sums)."""
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    handles: dict[int, str] = {}
    for r in note_rows:
        a = r.get("author_id")
        if a is None:
            continue
        handles[a] = r.get("author_handle") or f"#{a}"
        s = sums[a]
        s["notes"] += 1
        for k in ("reads", "clicks"):
            s[k] += r.get(k) or 0
        for k in ("purchases", "gmv"):
            s[k] += (r.get(k) or {}).get("scaled") or 0.0
        s["spend"] += r.get("spend") or 0.0
    return [
        {
            "key": f"@{handles[a]}",
            "account_id": a,
            **s,
            "roas": (s["gmv"] / s["spend"]) if s["spend"] else None,
        }
        for a, s in sums.items()
    ]


def _key(day: RowJSON) -> str:
    return str(day["key"])


def _running_roas(day: RowJSON) -> float | None:
    running = day["cumulative"]
    return scaled_value(running, "roas") if isinstance(running, dict) else None


def daily_charts(view: ReportView, t: Any) -> tuple[Markup, Markup]:
    """GMV (scaled) beside boost spend per day, and ROAS per day beside the running ROAS."""
    days = view.days
    gmv = charts.line(
        [
            charts.Series(t("brand.gmv_scaled"), [(_key(d), scaled_value(d, "gmv")) for d in days]),
            charts.Series(t("col.spend"), [(_key(d), scaled_value(d, "spend")) for d in days]),
        ],
        label=t("brand.gmv_per_day"),
        digits=2,
    )
    roas = charts.line(
        [
            charts.Series(t("brand.roas_day"), [(_key(d), scaled_value(d, "roas")) for d in days]),
            charts.Series(t("brand.roas_cumulative"), [(_key(d), _running_roas(d)) for d in days]),
        ],
        label=t("brand.roas_over_time"),
        digits=2,
    )
    return gmv, roas


def funnel_chart(row: dict[str, Any], t: Any, m: Any) -> Markup:
    """Front-link counts as counted; back-link steps scaled for sampled backhaul; each step's
    rate relative to the denominator the registry gives it (a share only when nested)."""
    steps: list[tuple[str, float | None, str, int]] = []
    for r in row.get("rates") or []:
        value = row.get(r["step"])
        value = value.get("scaled") if isinstance(value, dict) else value
        text = ""
        if r["value"] is not None:
            key = N_("rate.share") if r["per"] == 1 else N_("rate.per100")
            shown = f"{r['value']:.1%}" if r["per"] == 1 else f"{r['value']:,.1f}"
            text = t(key, n=shown, of=m(r["denominator"]))
        steps.append((m(r["step"]), value, text, metrics.get(r["step"]).digits))
    return charts.funnel(steps, label=t("brand.funnel"))


def figure(metric: dict[str, Any] | None, digits: int = 0) -> dict[str, str]:
    """A scaled figure with its 95% interval and the sampled count behind it, for display."""
    m = metric or {}
    lo, hi = (m.get("ci95") or [None, None])[:2]
    return {
        "value": charts.fmt(m.get("scaled"), digits),
        "low": charts.fmt(lo, digits),
        "high": charts.fmt(hi, digits),
        "raw": charts.fmt(m.get("sampled"), digits),
    }


def advice_text(advice: Mapping[str, float | None], t: Callable[..., str], lang: str) -> str:
    """The holdout advice (:func:`seedtrail.attribution.lift.advice`) as a sentence: the share a
    campaign needs, or that even half cannot find the reference lift, or (no purchase to draw a
    baseline from) that it cannot be sized."""

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    lift = advice["relative_lift"]
    fields = {
        "reach": messages.number(lang, advice["reach"]),
        "lift": "—" if lift is None else f"{lift * 100:.0f}%",
        "current": share(advice["current_share"]),
    }
    mde, needed = advice.get("mde_at_current_share"), advice.get("holdout_share_needed")
    if advice.get("baseline") is None or mde is None:
        return t("lift.advice_no_baseline", **fields)
    fields["mde"] = share(mde)
    if needed is None:
        return t("lift.advice_none", **fields)
    return t("lift.advice", needed=share(needed), **fields)


def sample_rate(rate: dict[str, object] | None) -> str:
    lo, hi = (rate or {}).get("min"), (rate or {}).get("max")
    if lo is None or hi is None:
        return "—"
    return f"{lo:.0%}" if lo == hi else f"{lo:.0%}–{hi:.0%}"


#: The kinds of degraded backhaul a figure can be flagged with (``intake.flags.KINDS``).
FLAG_KINDS = (
    *(N_("flag.kind.gap"), N_("flag.kind.lag"), N_("flag.kind.duplicates")),
    *(N_("flag.kind.orders_again"), N_("flag.kind.sample_rate"), N_("flag.kind.held")),
)


def flag_kinds(value: Any) -> list[str]:
    """A row's ``backhaul_flags`` as a list (the API's list, or the export's comma-joined text)."""
    if not value:
        return []
    return [k for k in (value.split(",") if isinstance(value, str) else value) if k]


def flag_marker(t: Callable[..., str], value: Any) -> Markup:
    """The marker beside a figure whose conversions fell in a window where the shop's backhaul
    was flagged by health (empty when none): a visible sign, the kinds, and the explanation on
    hover and for screen readers."""
    kinds = flag_kinds(value)
    if not kinds:
        return Markup("")
    names = t("list.separator").join(t(f"flag.kind.{k}") for k in kinds)
    return Markup(
        '<span class="flag" data-flag="{}" title="{}" aria-label="{}">⚠ {}</span>'
    ).format(",".join(kinds), t("flag.marker", kinds=names), t("flag.marker", kinds=names), names)


def any_flagged(view: ReportView) -> bool:
    """Whether any figure of the view is flagged (the page then explains the marker)."""
    rows = [view.funnel or {}, *view.notes, *view.days]
    return any(flag_kinds(r.get("backhaul_flags")) for r in rows)


def flat(row: Mapping[str, Any]) -> dict[str, object]:
    """A funnel or per-model row flattened for a sortable table (CIs as text)."""

    def ci(name: str, digits: int) -> str:
        f = figure(row.get(name), digits)
        return "—" if f["low"] == "—" else f"[{f['low']}, {f['high']}]"

    return {
        "key": row.get("key"),
        "title": row.get("title") or (f"#{row['key']}" if row.get("key") is not None else None),
        "model": row.get("model"),
        "reads": row.get("reads"),
        "clicks": row.get("clicks"),
        "purchases": (row.get("purchases") or {}).get("scaled"),
        "purchases_ci": ci("purchases", metrics.get("purchases").digits),
        "gmv": (row.get("gmv") or {}).get("scaled"),
        "gmv_ci": ci("gmv", metrics.get("gmv").digits),
        "spend": row.get("spend"),
        "roas": row.get("roas"),
        "sample_rate": sample_rate(row.get("sample_rate")),
        "backhaul_flags": ",".join(flag_kinds(row.get("backhaul_flags"))) or None,
    }

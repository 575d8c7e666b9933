"""The tables `seedtrail report build|show|score` print, and the catalogue keys of their headings
and a campaign's calibration status, listed once so that extraction finds the keys built at run
time."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from seedtrail import messages
from seedtrail.attribution import metrics, runs
from seedtrail.attribution.rollup import NONE
from seedtrail.cli.context import cli_msg, console, lang
from seedtrail.messages import N_

#: Column headings of the scores table, by field.
SCORE_HEADS = {
    "model": N_("cli.report.col.model"),
    "credited_purchases": N_("cli.report.col.credited_purchases"),
    "true_caused_purchases": N_("cli.report.col.true_caused_purchases"),
    "wmape": N_("cli.report.col.wmape"),
    "correlation": N_("cli.report.col.correlation"),
    "top_notes_overlap": N_("cli.report.col.top_notes_overlap"),
    "credit_on_true_note": N_("cli.report.col.credit_on_true_note"),
    "credit_on_true_touch": N_("cli.report.col.credit_on_true_touch"),
    "credit_on_uncaused": N_("cli.report.col.credit_on_uncaused"),
    "campaign_gmv": N_("cli.report.col.campaign_gmv"),
    "true_incremental_gmv": N_("cli.report.col.true_incremental_gmv"),
    "campaign_gmv_error": N_("cli.report.col.campaign_gmv_error"),
}
CALIBRATION_HEADS = (
    *(N_("cli.report.col.campaign"), N_("cli.report.col.status")),
    *(N_("cli.report.col.attributed"), N_("cli.report.col.own_factor")),
    *(N_("cli.report.col.factor"), N_("cli.report.col.calibrated")),
)
#: A campaign's calibration status (attribution/calibration.py).
STATUS_KEYS = (
    *(N_("cli.report.status.calibrated"), N_("cli.report.status.no_holdout")),
    *(N_("cli.report.status.not_enough_data"), N_("cli.report.status.nothing_attributed")),
    N_("cli.report.status.pooled"),
)

#: Rows of the campaign tables that are no one campaign, by the dashboard's words: traffic in
#: no campaign, and the lift pooled over all of them.
CAMPAIGN_WORDS = {NONE: N_("cli.report.no_campaign"), "all": N_("all")}


def status_key(status: str) -> str:
    """The key of a calibration status (one of :data:`STATUS_KEYS`)."""
    return f"cli.report.status.{status}"


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _campaign(key: str) -> str:
    """A campaign row's name: its id, or the words for no campaign and all of them."""
    return cli_msg(CAMPAIGN_WORDS[key]) if key in CAMPAIGN_WORDS else key


def print_scores(scores: list[dict[str, Any]]) -> None:
    if not scores:  # a built report has none; an empty table said nothing of how to get one
        console.print(cli_msg("cli.report.no_scores"))
        return
    cols: tuple[str, ...] = (
        "model",
        "credited_purchases",
        "true_caused_purchases",
        "wmape",
        "correlation",
        "top_notes_overlap",
        "credit_on_true_note",
        "credit_on_true_touch",
        "credit_on_uncaused",
        "campaign_gmv",
        "true_incremental_gmv",
        "campaign_gmv_error",
    )
    cols = tuple(c for c in cols if any(c in r for r in scores))
    heads = (cli_msg(SCORE_HEADS[c]) for c in cols)
    table = Table(*heads, title=cli_msg("cli.report.scores_title"))
    for row in sorted(scores, key=lambda r: r["wmape"] if r["wmape"] is not None else 1e9):
        table.add_row(*(_fmt(row.get(c), 3) for c in cols))
    console.print(table)


def print_lift(lifts: list[dict[str, Any]], attributed: dict[str, float] | None = None) -> None:
    lang_ = lang()
    table = Table(
        cli_msg("cli.report.col.campaign"),
        cli_msg("cli.report.col.ci", what=metrics.label("incremental_purchases", lang_)),
        cli_msg("cli.report.col.true"),
        cli_msg("cli.report.col.ci", what=metrics.get("incremental_gmv").heading(lang_)),
        cli_msg("cli.report.col.true_gmv"),
        metrics.label("mde", lang_),
        cli_msg("cli.report.col.power", what=metrics.label("power", lang_)),
        *(
            [cli_msg("cli.report.col.attributed"), cli_msg("cli.report.col.over_under")]
            if attributed is not None
            else []
        ),
        title=cli_msg("cli.report.lift_title"),
    )
    for r in lifts:
        extra = []
        if attributed is not None:
            got = attributed.get(r["key"])
            inc = r["incremental_purchases"]
            extra = [_fmt(got), _fmt(got / inc if got is not None and inc else None)]
        purchases = (
            f"{_fmt(r['incremental_purchases'], 1)} [{_fmt(r['incremental_purchases_ci_low'], 1)}, "
            f"{_fmt(r['incremental_purchases_ci_high'], 1)}]"
        )
        gmv = (
            f"{_fmt(r['incremental_gmv'], 0)} [{_fmt(r['incremental_gmv_ci_low'], 0)}, "
            f"{_fmt(r['incremental_gmv_ci_high'], 0)}]"
        )
        if r.get("enough_data") is False:
            purchases = gmv = cli_msg(
                "cli.report.not_enough", exposed=r["buyers_exposed"], holdout=r["buyers_holdout"]
            )
        table.add_row(
            _campaign(r["key"]),
            purchases,
            _fmt(r["true_incremental_purchases"]),
            gmv,
            _fmt(r["true_incremental_gmv"], 0),
            _fmt(r.get("mde_purchases")),
            _fmt(r.get("power_purchases")),
            *extra,
        )
    console.print(table)


def print_calibration(chosen: dict[str, Any]) -> None:
    """The default model, why, and the calibration by lift per campaign."""
    why = messages.render(lang(), chosen.get("why_msg") or chosen["why"])
    console.print(cli_msg("cli.report.default_model", model=chosen["model"], why=why))
    for model, f in sorted(chosen["agreement"].items()):
        floor = f.get("floor") or {}
        console.print(
            cli_msg(
                "cli.report.agreement",
                model=model,
                gap=_fmt(f.get("gap_purchases"), 1),
                error=_fmt(f["error"], 3),
                chi2=_fmt(f.get("chi2"), 1),
                n=f["campaigns"],
                kept=_fmt(floor.get("kept"), 3),
                kept_sd=_fmt(floor.get("kept_sd"), 3),
                explained=_fmt(floor.get("explained_purchases"), 1),
                off_brand=_fmt(floor.get("off_brand"), 3),
            )
        )
    cal = chosen["calibrated"]
    table = Table(
        *map(cli_msg, CALIBRATION_HEADS),
        title=cli_msg("cli.report.calibration_title", model=cal["base_model"]),
    )
    pool = cal.get("pooled")
    if pool:
        figures = {k: _fmt(pool[k], 3) for k in ("factor", "sd", "tau")}
        key = N_("cli.report.pooled_measured") if pool["measured"] else N_("cli.report.pooled")
        prior = {"prior": _fmt(pool["prior"], 1), "prior_sd": _fmt(pool["prior_sd"], 1)}
        console.print(cli_msg(key, **figures, **prior))
    for r in cal["campaigns"]:
        ci = (
            f" [{_fmt(r['calibrated_ci_low'], 1)}, {_fmt(r['calibrated_ci_high'], 1)}]"
            if r["calibrated_ci_low"] is not None
            else cli_msg("cli.report.uncalibrated")
        )
        table.add_row(
            _campaign(r["campaign"]),
            cli_msg(status_key(r["status"])),
            _fmt(r["attributed_purchases"], 1),
            _fmt(r.get("raw_factor"), 3),
            _fmt(r["factor"], 3),
            _fmt(r["calibrated_purchases"], 1) + ci,
        )
    console.print(table)


def print_report(report: runs.StoredReport) -> None:
    meta = report.meta
    model = meta["primary_model"]
    rows = report.query(
        "SELECT * FROM {funnel} WHERE model = ? AND dimension = 'campaign' ORDER BY key", [model]
    )
    heads = ("impressions", "reads", "clicks", "purchases", "gmv", "spend", "roas", "sample_rate")
    table = Table(
        cli_msg("cli.report.col.campaign"),
        *(metrics.get(h).heading(lang()) for h in heads),
        title=cli_msg("cli.report.funnel_title", model=model),
    )
    for r in rows:
        table.add_row(
            _campaign(r["key"]),
            _fmt(r["impressions"]),
            _fmt(r["reads"]),
            _fmt(r["clicks"]),
            f"{_fmt(r['purchases_scaled'], 1)} [{_fmt(r['purchases_ci_low'], 1)}, "
            f"{_fmt(r['purchases_ci_high'], 1)}]",
            _fmt(r["gmv_scaled"], 0),
            _fmt(r["spend"]),
            _fmt(r["roas"]),
            f"{_fmt(r['sample_rate_min'])}–{_fmt(r['sample_rate_max'])}",
        )
    console.print(table)
    attributed = {
        r["key"]: r["attributed_purchases"]
        for r in report.query("SELECT * FROM {lift_models} WHERE model = ?", [model])
    }
    print_lift(meta["lift"], attributed)
    if "calibration" in meta:
        print_calibration(
            {
                "model": model,
                "why": meta.get("primary_model_why", ""),
                "why_msg": meta.get("primary_model_why_msg"),
                "agreement": meta.get("agreement_with_lift", {}),
                "calibrated": meta["calibration"],
            }
        )
    print_scores(meta["scores"])

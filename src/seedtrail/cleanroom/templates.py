"""Pre-registered report templates: the only questions brands and shops may ask.

A template names the hierarchy it breaks a campaign into (``levels``, coarse to fine), the
measures it sums (each clamped per row, which bounds any one person's influence), the derived
ratios it shows, and optionally a stricter k. A request picks a template, a campaign and a 7-day
period, and nothing else: no free filters, no free SQL.

Input rows (one per person per finest cell, e.g. from attribution): ``person``, ``campaign_id``,
``creator_id``, ``note_id``, ``day`` (date or timestamp), ``group`` (lift only: exposed/control)
and the measure columns ``impressions``, ``reads``, ``clicks``, ``purchases``, ``gmv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from seedtrail.core.errors import InvalidInput, NotFound
from seedtrail.messages import Msg


@dataclass(frozen=True)
class Measure:
    name: str
    clamp: float  # each row contributes a value in [0, clamp]


@dataclass(frozen=True)
class Ratio:
    name: str
    numerator: str
    denominator: str  # a measure, "people", or "spend" (the brand's own spend table)


@dataclass(frozen=True)
class ReportTemplate:
    name: str
    levels: tuple[str, ...]
    measures: tuple[Measure, ...]
    ratios: tuple[Ratio, ...] = ()
    k: int | None = None  # stricter than the global k only (the stricter setting wins)
    max_rows_per_person: int = 4
    needs_spend: bool = False
    description: str = ""
    all_or_nothing: bool = False  # lift: both groups or neither


FUNNEL = (
    Measure("impressions", 50),
    Measure("reads", 20),
    Measure("clicks", 10),
    Measure("purchases", 5),
    Measure("gmv", 2000.0),
)
FUNNEL_RATIOS = (Ratio("purchase_rate", "purchases", "people"),)


def _funnel(name: str, levels: tuple[str, ...], description: str) -> ReportTemplate:
    return ReportTemplate(name, levels, FUNNEL, FUNNEL_RATIOS, description=description)


TEMPLATES: dict[str, ReportTemplate] = {
    t.name: t
    for t in (
        _funnel("funnel_by_campaign", (), "Funnel totals for one campaign."),
        _funnel("funnel_by_creator", ("creator_id",), "Funnel per creator."),
        _funnel("funnel_by_note", ("creator_id", "note_id"), "Funnel per note, rolled up."),
        _funnel("funnel_by_day", ("day",), "Funnel per day of the period."),
        ReportTemplate(
            "roas",
            ("creator_id", "note_id"),
            (Measure("purchases", 5), Measure("gmv", 2000.0)),
            (Ratio("roas", "gmv", "spend"),),
            needs_spend=True,
            description="Attributed GMV over boost spend per note.",
        ),
        ReportTemplate(
            "lift",
            ("group",),
            (Measure("purchases", 5), Measure("gmv", 2000.0)),
            (Ratio("purchase_rate", "purchases", "people"),),
            description="Exposed vs control group purchase rates.",
            all_or_nothing=True,
        ),
    )
}


def template(name: str) -> ReportTemplate:
    try:
        return TEMPLATES[name]
    except KeyError as exc:
        known = ", ".join(sorted(TEMPLATES))
        raise NotFound(
            Msg("problem.not-found.template", {"name": repr(name), "known": known})
        ) from exc


@dataclass(frozen=True)
class ReportRequest:
    """What a brand or shop may ask: a template, its campaign and one 7-day period."""

    template: str
    brand: str
    campaign_id: int
    period_start: date  # a Monday; the period is [period_start, period_start + 7 days)
    dp: bool = False
    epsilon: float | None = None  # DP only; at most the per-report cap
    extra: dict[str, object] = field(default_factory=dict)

    def check(self) -> ReportTemplate:
        spec = template(self.template)
        if self.extra:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.report_filters",
                    {"report": self.template, "filters": str(sorted(self.extra))},
                )
            )
        if self.period_start.weekday() != 0:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.report_monday",
                    {"report": self.template, "day": str(self.period_start)},
                )
            )
        if not self.brand:
            raise InvalidInput(Msg("problem.invalid-input.report_brand", {"report": self.template}))
        return spec

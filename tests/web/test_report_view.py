"""How a campaign's report is arranged on its page (no browser needed)."""

from __future__ import annotations

import re

from seedtrail.attribution import metrics
from seedtrail.web import i18n, report_view


def _scaled(value: float) -> dict[str, object]:
    return {"sampled": value, "scaled": value, "ci95": [value, value]}


def test_the_funnel_shows_a_scaled_step_as_the_figures_above_it_do() -> None:
    """Purchases of 1.42 (time decay) read 1.4 in the figures: the funnel said 1."""
    row = {
        "people": 370,
        "reads": 118,
        "clicks": 10,
        "purchases": _scaled(1.418503),
        "rates": [
            {"step": "reads", "denominator": None, "value": None, "per": None},
            {"step": "clicks", "denominator": "reads", "value": 8.47, "per": 100},
            {"step": "purchases", "denominator": "people", "value": 0.383, "per": 100},
        ],
    }

    def t(key: str, **kw: object) -> str:
        return i18n.translate("en", key, **kw)

    def m(name: str) -> str:
        return metrics.get(name).heading("en")

    svg = report_view.funnel_chart(row, t, m)
    shown = dict(re.findall(r"<title>([^:<]+): ([\d,.]+)", svg))
    assert shown[m("purchases")] == "1.4"
    assert shown[m("clicks")] == "10" and shown[m("reads")] == "118"


def _t(key: str, **kw: object) -> str:
    return i18n.translate("en", key, **kw)


def _advice(**kw: object) -> dict[str, object]:
    base = {"reach": 1265, "baseline": 0.004, "relative_lift": 0.2, "current_share": 0.1}
    return {**base, "holdout_share_needed": 0.3, "mde_at_current_share": 0.35, **kw}


def test_the_holdout_advice_never_reads_a_dash_as_a_lift() -> None:
    """No holdout purchase yet: no baseline, so no share can be sized (it read "even a
    half-and-half split cannot find a 20% lift ... which finds lifts of — or more")."""
    text = report_view.advice_text(
        _advice(baseline=None, holdout_share_needed=None, mde_at_current_share=None), _t, "en"
    )
    assert "—" not in text and "no one in the holdout has bought" in text
    assert "1,265 people" in text and "10.0%" in text
    text = report_view.advice_text(_advice(), _t, "en")
    assert "needs a holdout of 30.0%" in text and "lifts of 35.0% or more" in text
    text = report_view.advice_text(_advice(holdout_share_needed=None), _t, "en")
    assert "half-and-half" in text and "35.0%" in text

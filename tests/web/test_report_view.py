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

"""Per-note summary of credited conversions, scaled for sampled backhaul.

Shops may send back only a sample of their events; each event carries its ``sample_rate`` (the
probability π that it was sent). Totals are estimated with the Horvitz–Thompson estimator
``Ŷ = Σ y/π`` and, treating each event as sampled independently (Poisson sampling), its unbiased
variance estimator ``V̂ = Σ (1 - π) y² / π²``; the 95% interval is ``Ŷ ± 1.96 √V̂`` (for counts,
the low end is never below the sampled count itself: the total cannot be smaller; for net GMV
never below zero, as every order's refunds are at most its value, unless the estimate itself is
negative, when a refund was received but its purchase was sampled out). The method is registered
as ``horvitz_thompson`` in :mod:`seedtrail.attribution.metrics`. Here ``y`` is
a conversion's credit to the note (counts) or its credited value (GMV). The smallest and largest
sample rate behind each row are shown beside the figures; with π = 1 everywhere the interval
collapses to the figure itself.
"""

from __future__ import annotations

from seedtrail.attribution.dialect import num
from seedtrail.attribution.plan import Step

Z95 = 1.959963984540054

METRICS = (
    ("searches", "conversion_kind = 'search'", "credit"),
    ("store_visits", "conversion_kind = 'store_visit'", "credit"),
    ("carts", "conversion_kind = 'add_to_cart'", "credit"),
    ("purchases", "conversion_kind = 'purchase'", "credit"),
    ("refunds", "conversion_kind = 'refund'", "credit"),
    ("gmv", "conversion_kind IN ('purchase', 'refund')", f"COALESCE(value, {num(0.0)})"),
)


def summary_columns() -> list[str]:
    cols = []
    for name, _, _ in METRICS:
        cols += [name, f"{name}_scaled", f"{name}_ci_low", f"{name}_ci_high"]
    return cols


def summary_step(group_by: tuple[str, ...]) -> Step:
    keys = ", ".join(group_by)
    inner, outer = [], []
    for name, cond, y in METRICS:
        val = f"CASE WHEN {cond} THEN {y} ELSE {num(0.0)} END"
        inner.append(f"SUM({val}) AS {name}")
        inner.append(f"SUM({val} / sample_rate) AS {name}_scaled")
        inner.append(
            f"SUM(({num(1.0)} - sample_rate) * ({val}) * ({val}) / (sample_rate * sample_rate))"
            f" AS {name}_var"
        )
        low = f"{name}_scaled - {num(Z95)} * SQRT({name}_var)"
        if name != "gmv":  # a count is at least what the sample already shows
            low = f"GREATEST({low}, {name})"
        else:  # net GMV is not negative: no bound below zero (unless the estimate itself is)
            low = f"GREATEST({low}, LEAST({num(0.0)}, {name}_scaled))"
        outer += [
            name,
            f"{name}_scaled",
            f"{low} AS {name}_ci_low",
            f"{name}_scaled + {num(Z95)} * SQRT({name}_var) AS {name}_ci_high",
        ]
    return Step(
        "st_summary",
        f"SELECT {keys}, {', '.join(outer)}, sample_rate_min, sample_rate_max FROM "
        f"(SELECT {keys}, {', '.join(inner)}, MIN(sample_rate) AS sample_rate_min, "
        f"MAX(sample_rate) AS sample_rate_max FROM st_out GROUP BY {keys}) s",
    )

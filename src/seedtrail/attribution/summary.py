"""Per-note summary of credited conversions, scaled for sampled backhaul.

Shops may send back only a sample of their events; each event carries its ``sample_rate`` (the
probability π that it was sent). A shop samples whole customers (all of a customer's events are
sent or none), so totals are estimated with the Horvitz–Thompson estimator over customers
``Ŷ = Σ_c y_c/π_c`` with its unbiased variance estimator under Poisson sampling of customers
``V̂ = Σ_c (1 - π_c) (y_c/π_c)²`` (``y_c``: a customer's credited conversions or credited
value in the row; a conversion without a customer key is its own customer). The 95% intervals:

* counts (``horvitz_thompson`` in :mod:`seedtrail.attribution.metrics`): log-normal,
  ``Ŷ ·/ exp(1.96 √ln(1 + V̂/Ŷ²))`` (counts are skewed and positive), the low end never below
  the sampled count itself: the total cannot be smaller;
* net GMV (``horvitz_thompson_t``): ``Ŷ ± t(n - 1) √V̂`` with Student's t over the ``n`` customers
  with a purchase or refund in the row (per-customer order values are heavy-tailed and a few
  customers give a noisy variance: with z the intervals of small cells covered 86%, see
  ``seedtrail validate coverage``), never below zero unless the estimate itself is (a refund
  received whose purchase was sampled out).

Every interval contains its estimate. The smallest and largest sample rate behind each row are
shown beside the figures; with π = 1 everywhere the interval collapses to the figure itself.
"""

from __future__ import annotations

from seedtrail.attribution.dialect import num
from seedtrail.attribution.plan import Step

Z95 = 1.959963984540054
# Student's t, 97.5% quantile, for 1..30 degrees of freedom; beyond, the Cornish–Fisher expansion
T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
        2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816,
        2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529,
        2.051831, 2.048407, 2.04523, 2.042272)  # fmt: skip

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


_CF = ((Z95**3 + Z95) / 4, (5 * Z95**5 + 16 * Z95**3 + 3 * Z95) / 96)  # Cornish–Fisher terms


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` (at least 1) degrees of freedom."""
    df = max(int(df), 1)
    return T975[df - 1] if df <= len(T975) else Z95 + _CF[0] / df + _CF[1] / (df * df)


def t975_sql(df: str) -> str:
    """SQL for :func:`t975` of the SQL expression ``df``."""
    z = Z95
    a, b = _CF
    cases = " ".join(f"WHEN {df} <= {i} THEN {num(q)}" for i, q in enumerate(T975, 1))
    return f"(CASE {cases} ELSE {num(z)} + {num(a)} / {df} + {num(b)} / ({df} * {df}) END)"


def _bounds(name: str) -> tuple[str, str]:
    """The 95% interval of one metric from its estimate ``<name>_scaled``, variance
    ``<name>_var`` and customers ``<name>_units`` (columns of the inner query)."""
    est, var = f"{name}_scaled", f"{name}_var"
    if name == "gmv":  # Student t over customers, never below zero unless the estimate is
        half = f"{t975_sql(f'GREATEST({name}_units - 1, 1)')} * SQRT({var})"
        return (
            f"GREATEST({est} - {half}, LEAST({num(0.0)}, {est}))",
            f"{est} + {half}",
        )
    # a count: log-normal around a positive estimate, at least what the sample already shows
    factor = f"EXP({num(Z95)} * SQRT(LN({num(1.0)} + {var} / ({est} * {est}))))"
    low = f"CASE WHEN {est} > 0 THEN {est} / {factor} ELSE {est} - {num(Z95)} * SQRT({var}) END"
    high = f"CASE WHEN {est} > 0 THEN {est} * {factor} ELSE {est} + {num(Z95)} * SQRT({var}) END"
    return f"GREATEST({low}, LEAST({name}, {est}))", high


def summary_step(group_by: tuple[str, ...]) -> Step:
    """Scaled figures per ``group_by`` with 95% intervals; the variance is summed over customers
    (``user_key``, or the conversion itself when unknown), as a shop samples whole customers."""
    keys = ", ".join(group_by)
    unit = "COALESCE(CAST(user_key AS STRING), CAST(conversion_id AS STRING))"
    per_unit, inner, outer = [], [], []
    for name, cond, y in METRICS:
        val = f"CASE WHEN {cond} THEN {y} ELSE {num(0.0)} END"
        per_unit.append(f"SUM({val}) AS {name}")
        per_unit.append(f"SUM({val} / sample_rate) AS {name}_scaled")
        per_unit.append(f"MAX(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}_in")
        inner.append(f"SUM({name}) AS {name}")
        inner.append(f"SUM({name}_scaled) AS {name}_scaled")
        inner.append(f"SUM(({num(1.0)} - pi) * {name}_scaled * {name}_scaled) AS {name}_var")
        inner.append(f"SUM({name}_in) AS {name}_units")
        low, high = _bounds(name)
        outer += [name, f"{name}_scaled", f"{low} AS {name}_ci_low", f"{high} AS {name}_ci_high"]
    units = (
        f"SELECT {keys}, {', '.join(per_unit)}, MIN(sample_rate) AS pi, "
        f"MAX(sample_rate) AS pi_max FROM st_out GROUP BY {keys}, {unit}"
    )
    return Step(
        "st_summary",
        f"SELECT {keys}, {', '.join(outer)}, sample_rate_min, sample_rate_max FROM "
        f"(SELECT {keys}, {', '.join(inner)}, MIN(pi) AS sample_rate_min, "
        f"MAX(pi_max) AS sample_rate_max FROM ({units}) u GROUP BY {keys}) s",
    )

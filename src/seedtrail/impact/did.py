"""The difference-in-differences estimator of a policy change's effect, with its interval and a
pre-trend check.

Inputs are two daily series over the same days: ``treated`` (the summed figure of the units the
change touched: categories or partners) and ``control`` (the same figure summed over the units it
did not touch), and the index of the first day after the change. The counterfactual of the
treated series is the control series scaled by the before-period ratio
``k = mean_before(treated) / mean_before(control)`` (parallel trends in proportion: a common
weekday or festival swing moves both alike), so the effect is

    θ = mean_after(treated) − k · mean_after(control)

the average change per day in the treated units' figure. Its standard error is the delta method over
the four means, each day's residual ``treated − k·control`` carrying the noise, with each period's
long-run variance estimated by Newey–West (Bartlett kernel) so that runs of correlated days widen
the interval (the after period's taken as at least the before period's: closing links empties the
touched units and with them the noise their counterfactual would have had); the interval uses
Student's t with the smaller period's days less one as degrees of freedom. The method is registered
as ``did_hac`` in :mod:`seedtrail.attribution.metrics`; the coverage of its 90% interval is measured
on simulated changes of known effect (``bench/impact_coverage.py``, docs/impact.md).

The pre-trend check (as GeoLift's pre-treatment fit): the before-period residuals regressed on
time, with the slope's t test at 5% (ordinary least squares: a HAC slope test over-rejects on two
weeks of days); and an in-time placebo, the same estimator with a fake change halfway through the
before period, whose 95% interval should contain zero. Under no change both pass about nine times
in ten (tests/impact/test_did.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

MIN_DAYS = 4  # per period: fewer leave no room for a variance
#: Placebo errors count as drift only beyond this multiple of what their own intervals explain
#: (the random-effects estimate is biased up by its truncation at zero). Chosen among 1.0, 1.5
#: and 2.0 on seeds that the coverage benchmark does not use (docs/impact.md).
DRIFT_RATIO = 1.5
PLACEBO_LEVEL = 0.95  # the in-time placebo's interval: a 5% test that the fake change did nothing


def newey_west(x: np.ndarray, lags: int | None = None) -> float:
    """Long-run variance of a series around its mean (Bartlett kernel). Divided by its expected
    share under independent days, ``1 - (1 + 2 Σ w_j) / n``: estimating the mean biases every
    autocovariance down by about ``σ²/n``, which on two weeks of days narrows an interval by a
    sixth."""
    n = len(x)
    if n < 2:
        return 0.0
    u = x - x.mean()
    lag = int(4 * (n / 100) ** (2 / 9)) if lags is None else lags
    lag = min(lag, n - 2)
    lrv = float(u @ u) / n
    weights = 0.0
    for j in range(1, lag + 1):
        w = 1 - j / (lag + 1)
        lrv += 2 * w * float(u[j:] @ u[:-j]) / n
        weights += w
    return max(lrv, 0.0) / (1 - (1 + 2 * weights) / n)


@dataclass(frozen=True)
class PreTrend:
    slope_per_day: float  # change per day of the before-period residual
    p_value: float
    placebo_effect: float | None  # estimate at a fake change halfway through the before period
    placebo_low: float | None
    placebo_high: float | None

    @property
    def passed(self) -> bool:
        placebo_ok = (
            self.placebo_low is None
            or self.placebo_high is None
            or self.placebo_low <= 0.0 <= self.placebo_high
        )
        return self.p_value >= 0.05 and placebo_ok


@dataclass(frozen=True)
class Estimate:
    effect: float  # per day, in the figure's unit
    low: float
    high: float
    level: float
    before_treated: float  # mean per day
    after_treated: float
    counterfactual: float  # mean per day after, had nothing changed
    ratio: float  # k
    days_before: int
    days_after: int
    se: float
    drift: float | None = None  # between-unit drift variance added to the interval (relative²)
    pretrend: PreTrend | None = None

    @property
    def relative(self) -> float | None:
        return self.effect / self.counterfactual if self.counterfactual else None

    @property
    def total(self) -> float:
        """The effect over the whole after period."""
        return self.effect * self.days_after

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["relative"] = self.relative
        out["total"] = self.total
        out["method"] = "did_hac"
        if self.pretrend is not None:
            out["pretrend"]["passed"] = self.pretrend.passed
        return out


def _core(treated: np.ndarray, control: np.ndarray, start: int, level: float) -> Estimate:
    t0, c0, t1, c1 = treated[:start], control[:start], treated[start:], control[start:]
    if len(t0) < MIN_DAYS or len(t1) < MIN_DAYS:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.did_days",
                {"min": MIN_DAYS, "before": len(t0), "after": len(t1)},
            )
        )
    if c0.mean() <= 0:
        raise InvalidInput(Msg("problem.invalid-input.did_no_control"))
    k = t0.mean() / c0.mean()
    cf = k * c1.mean()
    effect = t1.mean() - cf
    # the after period's noise is at least the before period's: a change that empties the touched
    # units (links closed) also removes the noise their counterfactual would have had
    var_after = max(newey_west(t1 - k * c1), newey_west(t0 - k * c0)) / len(t1)
    var_before = (c1.mean() / c0.mean()) ** 2 * newey_west(t0 - k * c0) / len(t0)
    se = math.sqrt(var_after + var_before)
    q = float(stats.t.ppf(0.5 + level / 2, min(len(t0), len(t1)) - 1))
    return Estimate(
        effect=float(effect),
        low=float(effect - q * se),
        high=float(effect + q * se),
        level=level,
        before_treated=float(t0.mean()),
        after_treated=float(t1.mean()),
        counterfactual=float(cf),
        ratio=float(k),
        days_before=len(t0),
        days_after=len(t1),
        se=se,
    )


def pretrend(treated: np.ndarray, control: np.ndarray, start: int, level: float) -> PreTrend:
    """Slope of the before-period residuals (HAC t test) and the in-time placebo."""
    t0, c0 = treated[:start], control[:start]
    k = t0.mean() / c0.mean()
    r = t0 - k * c0
    n = len(r)
    x = np.arange(n, dtype=float) - (n - 1) / 2
    slope = float(x @ r / (x @ x))
    resid = r - r.mean() - slope * x
    se = math.sqrt(float(resid @ resid) / (n - 2) / float(x @ x)) if n > 2 else 0.0
    p = 1.0 if se == 0 else float(2 * stats.t.sf(abs(slope) / se, max(n - 2, 1)))
    half = start // 2
    placebo: Estimate | None = None
    if half >= MIN_DAYS and start - half >= MIN_DAYS and c0[:half].mean() > 0:
        placebo = _core(t0, c0, half, PLACEBO_LEVEL)
    return PreTrend(
        slope_per_day=slope,
        p_value=p,
        placebo_effect=placebo.effect if placebo else None,
        placebo_low=placebo.low if placebo else None,
        placebo_high=placebo.high if placebo else None,
    )


def drift(units: np.ndarray, start: int, level: float) -> tuple[float, int] | None:
    """The between-unit drift variance (relative, per unit of counterfactual squared): each
    untouched unit in turn as a placebo treated against the rest, its relative error beyond what
    its own interval explains, averaged (as a random-effects meta-analysis estimates the spread
    between studies). ``None`` with fewer than three untouched units."""
    if units.shape[0] < 3:
        return None
    errors: list[float] = []
    explained: list[float] = []
    total = units.sum(axis=0)
    n = units.shape[1]
    starts = sorted({start, *range(MIN_DAYS, n - MIN_DAYS + 1, max(1, n // 6))})
    for j in range(units.shape[0]):
        rest = total - units[j]
        for s in starts:
            if units[j, :s].mean() <= 0 or rest[:s].mean() <= 0:
                continue
            e = _core(units[j], rest, s, level)
            if e.counterfactual > 0:
                errors.append((e.effect / e.counterfactual) ** 2)
                explained.append((e.se / e.counterfactual) ** 2)
    if not errors:
        return None
    seen, expected = float(np.mean(errors)), float(np.mean(explained))
    if seen <= DRIFT_RATIO * expected:  # within what the intervals already explain
        return 0.0, units.shape[0]
    return seen - expected, units.shape[0]


def estimate(
    treated: np.ndarray,
    control: np.ndarray,
    start: int,
    level: float = 0.9,
    control_units: np.ndarray | None = None,
) -> Estimate:
    """The effect of a change on the first day ``start`` (an index into both daily series).
    With ``control_units`` (the untouched units' series, one row each, summing to ``control``)
    the interval also carries the drift between units that the placebos show (:func:`drift`)."""
    if not 0 < level < 1:
        raise InvalidInput(Msg("problem.invalid-input.level", {"level": level}))
    treated = np.asarray(treated, dtype=float)
    control = np.asarray(control, dtype=float)
    if treated.shape != control.shape or treated.ndim != 1:
        raise InvalidInput(Msg("problem.invalid-input.did_series"))
    core = _core(treated, control, start, level)
    found = None if control_units is None else drift(np.asarray(control_units, float), start, level)
    fields = asdict(core)
    tau2 = found[0] if found else None
    b = (tau2 or 0.0) * core.counterfactual**2  # drift, on a counterfactual that is not nothing
    if found and b > 0:
        a = core.se**2
        df_a, df_b = min(core.days_before, core.days_after) - 1, max(found[1] - 1, 1)
        df = (a + b) ** 2 / (a**2 / df_a + b**2 / df_b)  # Welch–Satterthwaite
        se = math.sqrt(a + b)
        q = float(stats.t.ppf(0.5 + level / 2, df))
        fields.update(se=se, low=core.effect - q * se, high=core.effect + q * se)
    fields.update(drift=tau2, pretrend=pretrend(treated, control, start, level))
    return Estimate(**fields)

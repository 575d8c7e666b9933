"""Attribution calibrated by lift: a base model's note-level credit, scaled per campaign so that
the purchases it attributes to the campaign's boosted touches equal the incremental purchases
its randomized holdout measures (:mod:`seedtrail.attribution.lift`), in the spirit of the
experiment calibration of media-mix tools (Meridian's ROI priors from experiments, Robyn's
``calibration_input``), applied here to touch-level credit rather than a media-mix model.

A campaign's own evidence is its ratio ``r_c = I_c / A_c`` (``I_c`` the incremental purchases
its holdout measures, ``A_c`` the purchases the base model credits to its boosted touches, scaled
for sampling) with variance ``v_c = (se_c / A_c)²``. Taken alone it is often noise: a handful of
holdout buyers once gave factors from 0 to 11.8 on one world. So the factors are partially pooled
(empirical Bayes, :func:`per_campaign`):

* the pooled factor ``μ`` is a normal prior ``N(PRIOR_FACTOR, PRIOR_SD²)`` (the base model as it
  is) updated by the holdout's pooled lift, ``I_all / ΣA_c`` (:func:`pooled`);
* ``τ²``, the spread of the campaigns' true factors, is the DerSimonian–Laird estimate;
* a campaign with its own measured lift (:func:`lift.enough_data`) gets the normal posterior
  ``(μ / (τ² + v_μ) + r_c / v_c) / (1 / (τ² + v_μ) + 1 / v_c)``, floored at 0, one without enough
  data of its own the pooled factor (status ``pooled``; uncalibrated when no pooled lift was
  measured either).

In a report the base model's credit first goes through the organic floor
(:mod:`~seedtrail.attribution.organic`): ``A_c`` is what the floor kept on *c*'s boosted touches.
Every credit on a touch of *c* is multiplied by its factor ``k_c`` (:func:`scaled`; in an engine,
:func:`calibration_step`); the calibrated total ``A_c · k_c`` carries the posterior's 95%
interval, floored at 0 (it contains the estimate). Organic touches keep their credit.

The base model (:func:`choose_base`) is the data's own choice (:func:`by_floor`: the model whose
credit the organic floor keeps on the most purchases, then the least credit on touches of
another brand), unless the measured lifts show that another model fits them better: the
smallest precision-weighted misfit ``Σ ((A_c − I_c) / se_c)²``, smaller than the prior
choice's by more than ``CHI2_SWITCH``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seedtrail.attribution.dialect import literal, num
from seedtrail.attribution.organic import Floor
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import Calibration
from seedtrail.attribution.summary import Z95
from seedtrail.messages import Msg

MODEL = "calibrated"
CALIBRATED = "calibrated"
NO_HOLDOUT = "no_holdout"
NOT_ENOUGH_DATA = "not_enough_data"
NOTHING_ATTRIBUTED = "nothing_attributed"
POOLED = "pooled"  # no lift of its own with enough data: the pooled factor
# The prior on every factor: the base model is right (1) until the holdout says otherwise, with
# this standard deviation. A holdout as noisy as the prior moves a factor half way; one much
# noisier hardly moves it, so a few stray holdout purchases cannot blow credit up.
PRIOR_FACTOR = 1.0
PRIOR_SD = 0.5
# The lift replaces the data's own choice of base model only when another model's misfit is
# smaller by more than this: the 95% point of a chi-squared with one degree of freedom.
CHI2_SWITCH = 3.84


def calibration_step(calibration: Calibration, credit: str = "st_credit") -> Step:
    """``st_credit_cal``: ``credit`` with each row scaled by its touch's campaign factor (1 for
    touches of other campaigns and organic touches)."""
    whens = " ".join(f"WHEN {literal(c)} THEN {num(f)}" for c, f in sorted(calibration.factors))
    factor = (
        f"CASE CAST(t.campaign_id AS STRING) {whens} ELSE {num(1.0)} END" if whens else num(1.0)
    )
    return Step(
        "st_credit_cal",
        "SELECT c.anchor_id, c.touch_id, c.note_id, c.touch_kind, "
        f"CAST(c.credit * {factor} AS DOUBLE) AS credit FROM {credit} c "
        "LEFT JOIN (SELECT touch_id, MIN(campaign_id) AS campaign_id FROM st_touches "
        "GROUP BY touch_id) t ON t.touch_id = c.touch_id",
        materialize=True,
    )


def scaled(con: Any, credit_table: str, calibration: Calibration) -> str:
    """``r_credit_calibrated``: the rows of ``credit_table`` (a report's credit table, after the
    organic floor) with the credit and value of each touch of a calibrated campaign times its
    factor; the same factors :func:`calibration_step` applies inside an engine."""
    whens = " ".join(f"WHEN {literal(c)} THEN {num(f)}" for c, f in sorted(calibration.factors))
    factor = f"CASE CAST(campaign_id AS VARCHAR) {whens} ELSE 1.0 END" if whens else "1.0"
    out = f"r_credit_{MODEL}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * REPLACE (credit * {factor} AS credit, "
        f"value * {factor} AS value) FROM {credit_table}"
    )
    return out


@dataclass(frozen=True)
class Pooled:
    """The factor shared by a model's campaigns: the prior (1, the base model as it is) updated by
    the holdout's pooled lift (``all`` row) over everything the model credits to boosts, and the
    spread of the campaigns' own factors around it (``tau``, DerSimonian–Laird)."""

    factor: float
    variance: float
    tau2: float
    measured: bool  # the pooled lift had enough data

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "sd": math.sqrt(self.variance),
            "tau": math.sqrt(self.tau2),
            "measured": self.measured,
            "prior": PRIOR_FACTOR,
            "prior_sd": PRIOR_SD,
        }


def _measured(lift: Mapping[str, Any] | None) -> bool:
    return bool(
        lift is not None
        and lift.get("enough_data")
        and lift.get("incremental_purchases") is not None
        and lift.get("incremental_purchases_se")
    )


def _ratios(
    by_key: Mapping[str, Mapping[str, Any]], attributed: Mapping[str, float]
) -> dict[str, tuple[float, float]]:
    """Each measured campaign's own factor ``I_c / A_c`` and its sampling variance."""
    out = {}
    for key, lift in by_key.items():
        got = float(attributed.get(key, 0.0))
        if key != "all" and _measured(lift) and got > 0:
            se = float(lift["incremental_purchases_se"]) / got
            out[key] = (float(lift["incremental_purchases"]) / got, se * se)
    return out


def _tau2(ratios: Iterable[tuple[float, float]]) -> float:
    """DerSimonian–Laird between-campaign variance of the factors (0 with fewer than two)."""
    pairs = list(ratios)
    if len(pairs) < 2:
        return 0.0
    w = [1.0 / v for _r, v in pairs]
    sw = sum(w)
    mean = sum(wi * r for wi, (r, _v) in zip(w, pairs, strict=True)) / sw
    q = sum(wi * (r - mean) ** 2 for wi, (r, _v) in zip(w, pairs, strict=True))
    return max(0.0, (q - (len(pairs) - 1)) / (sw - sum(x * x for x in w) / sw))


def pooled(by_key: Mapping[str, Mapping[str, Any]], attributed: Mapping[str, float]) -> Pooled:
    """The pooled factor: a normal prior ``N(PRIOR_FACTOR, PRIOR_SD²)`` updated by the pooled
    lift's ratio ``I_all / ΣA_c`` (campaigns with a holdout) and its variance."""
    precision, weighted = 1.0 / PRIOR_SD**2, PRIOR_FACTOR / PRIOR_SD**2
    total = sum(float(attributed.get(k, 0.0)) for k in by_key if k != "all")
    everything = by_key.get("all")
    measured = _measured(everything) and total > 0
    if measured and everything is not None:
        se = float(everything["incremental_purchases_se"]) / total
        precision += 1.0 / (se * se)
        weighted += float(everything["incremental_purchases"]) / total / (se * se)
    tau2 = _tau2(_ratios(by_key, attributed).values())
    return Pooled(weighted / precision, 1.0 / precision, tau2, measured)


def _shrunk(ratio: float, variance: float, pool: Pooled) -> tuple[float, float]:
    """A campaign's factor pulled toward the pooled one by the precision of its own holdout:
    the normal posterior of ``k_c ~ N(pooled, tau² + var(pooled))`` given ``I_c/A_c``."""
    spread = pool.tau2 + pool.variance
    precision = 1.0 / spread + 1.0 / variance
    return (pool.factor / spread + ratio / variance) / precision, 1.0 / precision


def _calibrated(row: dict[str, Any], got: float, factor: float, variance: float) -> None:
    """Fill ``row`` with a factor (floored at 0) and its calibrated total and 95% interval."""
    k, sd = max(0.0, factor), math.sqrt(variance)
    row.update(
        factor=k,
        factor_sd=sd,
        calibrated_purchases=got * k,
        calibrated_ci_low=got * max(0.0, min(k, factor - Z95 * sd)),
        calibrated_ci_high=got * max(k, factor + Z95 * sd),
    )


def per_campaign(
    lifts: Iterable[Mapping[str, Any]], attributed: Mapping[str, float]
) -> tuple[list[dict[str, Any]], Pooled]:
    """One row per campaign (the pooled ``all`` row left out): its status, its own factor
    ``I_c / A_c`` (``raw_factor``), the partially pooled factor applied, the base model's
    attributed purchases and the calibrated purchases with their interval; and the pooled
    factor."""
    by_key = {str(r["key"]): r for r in lifts}
    pool = pooled(by_key, attributed)
    ratios = _ratios(by_key, attributed)
    rows = []
    for key in sorted((set(by_key) | set(attributed)) - {"all"}):
        got = float(attributed.get(key, 0.0))
        row: dict[str, Any] = {"campaign": key, "attributed_purchases": got, "factor": None}
        row.update(raw_factor=None, factor_sd=None, calibrated_purchases=got)
        row.update(calibrated_ci_low=None, calibrated_ci_high=None)
        if key not in by_key:
            row["status"] = NO_HOLDOUT
        elif got <= 0:
            row["status"] = NOTHING_ATTRIBUTED
        elif key in ratios:
            ratio, variance = ratios[key]
            row.update(status=CALIBRATED, raw_factor=ratio)
            _calibrated(row, got, *_shrunk(ratio, variance, pool))
        elif pool.measured:
            row["status"] = POOLED
            _calibrated(row, got, pool.factor, pool.variance + pool.tau2)
        else:
            row["status"] = NOT_ENOUGH_DATA
        rows.append(row)
    return rows, pool


def calibration_of(rows: Iterable[Mapping[str, Any]]) -> Calibration:
    return Calibration(
        tuple((r["campaign"], float(r["factor"])) for r in rows if r["factor"] is not None)
    )


def agreement(
    lifts: Iterable[Mapping[str, Any]], attributed: Mapping[str, float]
) -> dict[str, Any]:
    """How far a model's attributed purchases per campaign are from the measured lift over the
    campaigns with enough data: ``Σ|A_c − max(0, I_c)| / Σ max(0, I_c)`` (``error``; None when
    no campaign has a measured lift) and the campaigns it covers."""
    measured = [
        r
        for r in lifts
        if str(r["key"]) != "all"
        and r.get("enough_data")
        and r.get("incremental_purchases") is not None
    ]
    gap = sum(
        abs(attributed.get(str(r["key"]), 0.0) - max(0.0, r["incremental_purchases"]))
        for r in measured
    )
    total = sum(max(0.0, r["incremental_purchases"]) for r in measured)
    return {
        "error": gap / total if total > 0 else None,
        "gap_purchases": gap if measured else None,
        "campaigns": len(measured),
        "attributed_purchases": sum(attributed.get(str(r["key"]), 0.0) for r in measured),
        "incremental_purchases": total,
    }


def _chi2(lifts: Iterable[Mapping[str, Any]], attributed: Mapping[str, float]) -> float | None:
    """``Σ ((A_c − I_c) / se_c)²`` over the campaigns with a measured lift: how far a model's
    attributed purchases lie from the lift, each campaign weighted by its holdout's precision
    (None when no campaign has one)."""
    terms = [
        (
            (attributed.get(str(r["key"]), 0.0) - float(r["incremental_purchases"]))
            / float(r["incremental_purchases_se"])
        )
        ** 2
        for r in lifts
        if str(r["key"]) != "all" and _measured(r)
    ]
    return sum(terms) if terms else None


def by_floor(floors: Mapping[str, Floor]) -> str:
    """The model the data favour when no lift tells the models apart: the one whose credit the
    organic floor keeps on the most purchases (``explained``), then the one that put the least
    of its credit on touches of another brand than the one bought (``off_brand``)."""
    top = max(f.explained for f in floors.values()) or 1.0
    return min(floors, key=lambda m: (-round(floors[m].explained / top, 6), floors[m].off_brand, m))


def _prior(fallback: str, floors: Mapping[str, Floor] | None) -> tuple[str, Msg]:
    if not floors:
        return fallback, Msg("calibration.why.default", {"model": fallback})
    best = by_floor(floors)
    f = floors[best]
    return best, Msg(
        "calibration.why.floor",
        {"model": best, "explained": f.explained, "off_brand": f.off_brand},
    )


def choose_base(
    lifts: list[Mapping[str, Any]],
    attributed: Mapping[str, Mapping[str, float]],
    fallback: str,
    floors: Mapping[str, Floor] | None = None,
) -> tuple[str, dict[str, dict[str, Any]], Msg]:
    """The base model of the calibration, every model's agreement with the lift, and why (a
    message, shown in the reader's language).

    The prior choice is the data's own (:func:`by_floor` over ``floors``; ``fallback`` without
    them). The lift moves the choice off it only with evidence: the model with the smallest
    precision-weighted misfit (:func:`_chi2`) replaces it when its misfit is smaller by more
    than ``CHI2_SWITCH`` (a 5% test with one degree of freedom), so a few noisy holdouts cannot
    choose the model shown to brands."""
    figures = {m: {**agreement(lifts, a), "chi2": _chi2(lifts, a)} for m, a in attributed.items()}
    for m, f in (floors or {}).items():
        if m in figures:
            figures[m]["floor"] = f.as_dict()
    prior, why_prior = _prior(fallback, floors)
    fits = {m: f["chi2"] for m, f in figures.items() if f["chi2"] is not None}
    if not fits:
        return prior, figures, Msg("calibration.why.no_lift", {"prior": why_prior})
    best = min(fits, key=lambda m: (fits[m], m))
    n = figures[best]["campaigns"]
    if prior in fits and fits[prior] - fits[best] <= CHI2_SWITCH:
        return (
            prior,
            figures,
            Msg(
                "calibration.why.not_apart",
                {"campaigns": n, "misfit": fits[prior], "best": fits[best], "prior": why_prior},
            ),
        )
    return (
        best,
        figures,
        Msg(
            "calibration.why.best_fit",
            {
                "model": best,
                "campaigns": n,
                "misfit": fits[best],
                "prior": prior,
                "switch": CHI2_SWITCH,
            },
        ),
    )


def attributed_by_campaign(con: Any, credit_table: str) -> dict[str, float]:
    """Purchases a model credits to each campaign's boosted touches, scaled for sampling (the
    ``r_credit_*`` table of :func:`seedtrail.attribution.rollup.register_credits`)."""
    rows = con.execute(
        "SELECT CAST(campaign_id AS VARCHAR), SUM(credit / sample_rate) FROM "
        f"{credit_table} WHERE conversion_kind = 'purchase' AND campaign_id IS NOT NULL "
        "GROUP BY ALL"
    ).fetchall()
    return {str(k): float(v or 0.0) for k, v in rows}

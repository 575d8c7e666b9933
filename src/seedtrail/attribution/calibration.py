"""Attribution calibrated by lift: a base model's note-level credit, scaled per campaign so that
the purchases it attributes to the campaign's boosted touches equal the incremental purchases
its randomized holdout measures (:mod:`seedtrail.attribution.lift`), in the spirit of the
experiment calibration of media-mix tools (Meridian's ROI priors from experiments, Robyn's
``calibration_input``), applied here to touch-level credit rather than a media-mix model.

For a campaign *c* with a measured lift (enough data, :func:`lift.enough_data`) and a positive
attributed total ``A_c`` (purchases credited to its boosted touches, scaled for sampling), the
factor is ``k_c = max(0, I_c) / A_c`` where ``I_c`` is the incremental purchases; every credit on
a touch of *c* is multiplied by ``k_c``. Its uncertainty is the lift's: the calibrated total's
95% interval is ``[max(0, I_low), max(0, I_high)]`` (it contains the estimate ``max(0, I_c)``).
Credit on touches of campaigns without a measured lift (no holdout, not enough data, nothing
attributed) and on organic touches keeps the base model's value and is marked uncalibrated.
Calibrated credits of one conversion need not sum to 1: the calibration removes the share of a
campaign's credit that the holdout says the boost did not cause.

The base model is the one whose attributed totals agree best with the measured lifts across
campaigns (:func:`choose_base`): the smallest ``Σ|A_c − max(0, I_c)|`` over the campaigns with
a measured lift (also shown relative to ``Σ max(0, I_c)``).

The calibration runs inside the engines (:func:`calibration_step`, on ``st_credit``), so DuckDB
and Spark give the same calibrated credits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from seedtrail.attribution.dialect import literal, num
from seedtrail.attribution.plan import Step
from seedtrail.attribution.spec import Calibration

MODEL = "calibrated"
CALIBRATED = "calibrated"
NO_HOLDOUT = "no_holdout"
NOT_ENOUGH_DATA = "not_enough_data"
NOTHING_ATTRIBUTED = "nothing_attributed"


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


def per_campaign(
    lifts: Iterable[Mapping[str, Any]], attributed: Mapping[str, float]
) -> list[dict[str, Any]]:
    """One row per campaign (the pooled ``all`` row left out): its status, factor, the base
    model's attributed purchases and the calibrated purchases with their interval."""
    by_key = {str(r["key"]): r for r in lifts if str(r["key"]) != "all"}
    rows = []
    for key in sorted(set(by_key) | set(attributed)):
        got = float(attributed.get(key, 0.0))
        lift = by_key.get(key)
        row: dict[str, Any] = {"campaign": key, "attributed_purchases": got, "factor": None}
        row.update(calibrated_purchases=got, calibrated_ci_low=None, calibrated_ci_high=None)
        if lift is None:
            row["status"] = NO_HOLDOUT
        elif not lift.get("enough_data") or lift.get("incremental_purchases") is None:
            row["status"] = NOT_ENOUGH_DATA
        elif got <= 0:
            row["status"] = NOTHING_ATTRIBUTED
        else:
            inc = max(0.0, float(lift["incremental_purchases"]))
            row.update(
                status=CALIBRATED,
                factor=inc / got,
                calibrated_purchases=inc,
                calibrated_ci_low=max(0.0, float(lift["incremental_purchases_ci_low"])),
                calibrated_ci_high=max(0.0, float(lift["incremental_purchases_ci_high"])),
            )
        rows.append(row)
    return rows


def calibration_of(rows: Iterable[Mapping[str, Any]]) -> Calibration:
    return Calibration(
        tuple((r["campaign"], float(r["factor"])) for r in rows if r["status"] == CALIBRATED)
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


def choose_base(
    lifts: list[Mapping[str, Any]], attributed: Mapping[str, Mapping[str, float]], fallback: str
) -> tuple[str, dict[str, dict[str, Any]], str]:
    """The model whose attribution agrees best with the measured lift, every model's agreement,
    and why it was chosen (``fallback`` when no campaign has a measured lift)."""
    figures = {m: agreement(lifts, a) for m, a in attributed.items()}
    ranked = sorted(
        (f["gap_purchases"], m) for m, f in figures.items() if f["gap_purchases"] is not None
    )
    if not ranked:
        return (
            fallback,
            figures,
            (
                f"no campaign has a measured lift (holdout with enough data): {fallback} is shown "
                "uncalibrated"
            ),
        )
    gap, best = ranked[0]
    n = figures[best]["campaigns"]
    return (
        best,
        figures,
        (
            f"{best} agrees best with the lift measured on {n} campaign(s): its attributed "
            f"purchases differ from the incremental ones by {gap:,.1f} in all "
            "(Σ|attributed − incremental|), the least of the models run"
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

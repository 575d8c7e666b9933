"""Score the models and the lift-calibrated one against a simulated world's truth (world files,
not the deployment path): per-note wMAPE, uncaused share, campaign GMV vs truth, lift per campaign,
and the calibration's pooled factor and each campaign's own and applied factor. The baseline is
last_click, the best uncalibrated model on every world scored so far: the calibrated model's
wMAPE is printed beside it as a ratio.

    seedtrail sim --seed 8 --scale medium --out /tmp/w/medium-8
    PYTHONPATH=src python bench/calibration_score.py /tmp/w/medium-8

Measured figures: docs/notes/issue-12-calibration.md.
"""

import sys
import time
from pathlib import Path

from seedtrail.attribution.report import ReportSpec, score_world

t = time.time()
scores, lifts, chosen = score_world(
    Path(sys.argv[1]),
    ReportSpec(
        models=("last_click", "last_touch", "linear", "position_based", "time_decay", "shapley"),
        primary="position_based",
    ),
    print,
)
for s in scores:
    print(
        s["model"],
        "wmape={:.3f}".format(s["wmape"]),
        "uncaused=%.3f" % (s["credit_on_uncaused"] or 0),
        "campaign_gmv={:.0f} true={:.0f} err={}".format(
            s["campaign_gmv"], s["true_incremental_gmv"] or 0, s["campaign_gmv_error"]
        ),
    )
for r in lifts.to_pylist():
    print(
        "lift",
        r["key"],
        r["enough_data"],
        r["incremental_purchases"],
        r["true_incremental_purchases"],
        r["incremental_gmv"],
        r["true_incremental_gmv"],
    )
print(chosen["why"])
for model, fig in chosen["agreement"].items():
    f = fig.get("floor") or {}
    print(
        "floor",
        model,
        "kept={:.3f}±{:.3f} baseline_share={:.3f} explained={:.1f} off_brand={:.3f} chi2={}".format(
            f.get("kept", 0),
            f.get("kept_sd", 0),
            f.get("baseline_share", 0),
            f.get("explained_purchases", 0),
            f.get("off_brand", 0),
            fig.get("chi2"),
        ),
    )
print("pooled", chosen["calibrated"]["pooled"])
for c in chosen["calibrated"]["campaigns"]:
    print("campaign", c["campaign"], c["status"], "own", c["raw_factor"], "applied", c["factor"])
wmape = {s["model"]: s["wmape"] for s in scores}
cal, lc = wmape["calibrated"], wmape["last_click"]
best, best_model = min((w, m) for m, w in wmape.items() if m != "calibrated")
print(f"calibrated wmape {cal:.3f}, last_click {lc:.3f} (ratio {cal / lc:.3f}), ", end="")
print(f"best uncalibrated {best_model} {best:.3f}")

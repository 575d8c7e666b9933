"""Score the models and the lift-calibrated one against a simulated world's truth (world files,
not the deployment path): per-note wMAPE, uncaused share, campaign GMV vs truth, lift per campaign.

    PYTHONPATH=src python bench/calibration_score.py <world dir>
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
print([(c["campaign"], c["status"], c["factor"]) for c in chosen["calibrated"]["campaigns"]])
print("seconds", time.time() - t)

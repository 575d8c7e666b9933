"""Do the intervals cover the truth as often as they claim? Simulated worlds, one seed each.

For every world (``seedtrail sim`` at a scale, seeds ``first .. first + N - 1``) each interval
kind is checked against the world's truth and counted as covering or not; the share over all
checks is printed per kind (``coverage <kind> <fraction> (<N> worlds)``). The 95% intervals
claim 0.95; a run of a few hundred worlds should land within 0.93–0.97.

Kinds, each with the estimator the reports use and the truth it targets:

* ``sampled_purchases`` / ``sampled_gmv``: the Horvitz–Thompson interval of
  :mod:`seedtrail.attribution.summary` (the very SQL step the reports run) for each sampled
  shop and week of conversion, against the purchases (net GMV) that shop really had that week,
  delivered or sampled out (events lost to gaps or not yet delivered are a health matter, not
  sampling, and are left out of both sides).
* ``lift_purchases`` / ``lift_gmv``: each campaign's holdout interval
  (:func:`seedtrail.attribution.lift.lift`) against the purchases (net GMV) its boosts truly
  caused; only campaigns with enough data (the stated minimum), as readers see no other.

* ``model_credits``: listed for completeness and always ``n/a``. A model's credit (last click,
  Shapley, ...) is a rule applied to the data, not a quantity the world has, so the truth defines
  no target for its interval; the interval beside a model's credit is the sampling interval above
  (``sampled_*``), whose target is what the shop really had. A model whose credit targets the
  boosts' true effect (calibration to lift) would add its check here.

Lift intervals are only shown, and so only checked, for campaigns with the stated minimum of
data (five buying viewers in each group): tiny and small worlds have none, medium ones do.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from seedtrail.attribution import lift, world
from seedtrail.attribution.summary import summary_step
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import load_spec

KINDS = ("sampled_purchases", "sampled_gmv", "lift_purchases", "lift_gmv", "model_credits")
Progress = Callable[[int, int], None]


@dataclass
class Coverage:
    worlds: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    checks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    malformed: int = 0  # intervals not containing their estimate, or below zero for a count

    def check_shape(self, low: float, estimate: float, high: float, floor: float | None) -> None:
        """Count an interval that excludes its estimate or goes below ``floor``."""
        bad = not low - 1e-9 <= estimate <= high + 1e-9
        self.malformed += int(bad or (floor is not None and low < floor - 1e-9))

    def add(self, kind: str, covered: bool) -> None:
        self.checks[kind] += 1
        self.hits[kind] += int(covered)

    def fraction(self, kind: str) -> float | None:
        n = self.checks[kind]
        return self.hits[kind] / n if n else None

    def lines(self) -> list[str]:
        out = []
        for kind in KINDS:
            f = self.fraction(kind)
            shown = "n/a" if f is None else f"{f:.3f}"
            out.append(
                f"coverage {kind} {shown} ({self.worlds} worlds, {self.checks[kind]} intervals)"
            )
        out.append(f"intervals not containing their estimate or below zero: {self.malformed}")
        return out


_SAMPLED_CELLS = (
    "WITH conv AS (SELECT partner || ' ' || strftime(date_trunc('week', ts), '%Y-%m-%d') AS cell,"
    " kind AS conversion_kind, 1.0 AS credit, value, sample_rate, event_id AS conversion_id, "
    "shop_user_key AS user_key FROM w_conv "
    "WHERE kind IN ('purchase', 'refund') AND partner IN "
    "(SELECT partner FROM w_conv WHERE sample_rate < 1)) SELECT * FROM conv"
)
_TRUE_CELLS = (
    "SELECT partner || ' ' || strftime(date_trunc('week', ts), '%Y-%m-%d') AS cell, "
    "COUNT(*) FILTER (WHERE kind = 'purchase') AS purchases, COALESCE(SUM(value), 0.0) AS gmv "
    "FROM w_truth WHERE kind IN ('purchase', 'refund') "
    "AND delivery IN ('delivered', 'sampled_out') GROUP BY ALL"
)


def check_world(world_dir: Path, result: Coverage) -> None:
    """Add one world's checks to ``result``."""
    con = duckdb.connect()
    try:
        world.register(con, world.WorldDir(world_dir))
        con.execute(f"CREATE TEMP TABLE st_out AS {_SAMPLED_CELLS}")
        got = con.sql(summary_step(("cell",)).sql).to_arrow_table().to_pylist()
        truth = {r["cell"]: r for r in con.sql(_TRUE_CELLS).to_arrow_table().to_pylist()}
        for r in got:
            t = truth.get(r["cell"], {"purchases": 0, "gmv": 0.0})
            for kind, name in (("sampled_purchases", "purchases"), ("sampled_gmv", "gmv")):
                lo, hi = r[f"{name}_ci_low"], r[f"{name}_ci_high"]
                result.add(kind, lo - 1e-9 <= t[name] <= hi + 1e-9)
                est = r[f"{name}_scaled"]
                result.check_shape(lo, est, hi, min(0.0, est))
        true_inc = {r["key"]: r for r in lift.true_incremental(con).to_pylist()}
        for r in lift.lift(con).to_pylist():
            if r["key"] == "all" or not r["enough_data"]:
                continue
            t = true_inc.get(r["key"], {})
            for kind, name in (("lift_purchases", "purchases"), ("lift_gmv", "gmv")):
                truth_v = t.get(f"true_incremental_{name}") or 0.0
                lo, hi = r[f"incremental_{name}_ci_low"], r[f"incremental_{name}_ci_high"]
                result.add(kind, lo <= truth_v <= hi)
                result.check_shape(lo, r[f"incremental_{name}"], hi, None)
    finally:
        con.close()
    result.worlds += 1


def run(
    seeds: int,
    scale: str = "tiny",
    first_seed: int = 1,
    progress: Progress | None = None,
) -> Coverage:
    """Simulate ``seeds`` worlds (into a temporary directory, removed afterwards) and check
    every interval of each."""
    spec = load_spec(scale)
    result = Coverage()
    with tempfile.TemporaryDirectory(prefix="seedtrail-coverage-") as tmp:
        for i in range(seeds):
            out = Path(tmp) / f"world-{first_seed + i}"
            generate(spec, first_seed + i, out)
            check_world(out, result)
            shutil.rmtree(out)
            if progress is not None:
                progress(i + 1, seeds)
    return result

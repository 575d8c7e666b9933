"""``seedtrail policy impact --world-spec ... --change ...``: the same simulated world (same seed,
same people) with and without a link policy change, the world responding to it
(:mod:`seedtrail.sim.responses`), over several seeds; per figure the mean difference per day over
the change's span with a Student-t interval across seeds.

Figures come from the attribution views of each world (:mod:`seedtrail.impact.panel`: counted
clicks and shop GMV per partner and category), the boost spend and the ROAS of the report's
daily campaign rows (last touch; registry ``spend`` and ``roas``), creators' link earnings, and
the community's health from the world's truth (diversion comments, unregistered soft ads,
water-army comments). The simulated worlds have no own shop of the community: said, not shown.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
from scipy import stats

from seedtrail.core.errors import InvalidInput
from seedtrail.impact import panel
from seedtrail.messages import Msg
from seedtrail.sim import responses
from seedtrail.sim.ownshop import OWN_SHOP
from seedtrail.sim.spec import PARTNERS, load_spec, spec_from_mapping

#: Creators' share of the shop GMV their own notes' link clicks brought (a world parameter).
CREATOR_COMMISSION = 0.06
#: The world's truth kinds behind the registry's community-health figures.
OWN_SLUG = PARTNERS[OWN_SHOP].slug
HEALTH = {
    "diversion_comment": "diversion_attempts",
    "unregistered_promo": "unregistered_soft_ads",
    "water_army_comment": "water_army_comments",
}


@dataclass(frozen=True)
class SimChange:
    effect: str  # close | open
    category: str | None
    partner: str | None
    first_day: int
    end_day: int | None

    def describe(self) -> str:
        what = " ".join(
            f"{k}={v}" for k, v in (("category", self.category), ("partner", self.partner)) if v
        )
        until = f" until day {self.end_day}" if self.end_day is not None else ""
        return f"{self.effect} {what} from day {self.first_day}{until}"


def _day(value: str, start: date) -> int:
    if m := re.fullmatch(r"day(\d+)", value):
        return int(m.group(1))
    try:
        return (date.fromisoformat(value) - start).days
    except ValueError as exc:
        msg = Msg("problem.invalid-input.sim_change_day", {"value": repr(value)})
        raise InvalidInput(msg) from exc


def parse_change(text: str, start: date) -> SimChange:
    """``close category=beauty from=day15 [until=day25] [partner=jd]`` (or ``open ...``)."""
    words = text.split()
    if not words or words[0] not in ("close", "open"):
        raise InvalidInput(Msg("problem.invalid-input.sim_change_verb"))
    pairs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    unknown = set(pairs) - {"category", "partner", "from", "until"}
    if unknown or len(pairs) != len(words) - 1:
        raise InvalidInput(
            Msg("problem.invalid-input.sim_change_parts", {"parts": sorted(unknown) or words[1:]})
        )
    if "from" not in pairs:
        raise InvalidInput(Msg("problem.invalid-input.sim_change_from"))
    end = _day(pairs["until"], start) if "until" in pairs else None
    return SimChange(
        words[0], pairs.get("category"), pairs.get("partner"), _day(pairs["from"], start), end
    )


def parse_world_spec(text: str) -> tuple[dict[str, object], int, int]:
    """``scale=tiny,seed=1,days=30[,runs=3]`` → (spec mapping, first seed, runs)."""
    try:
        kv = dict(p.split("=", 1) for p in text.split(",") if p.strip())
        scale, seed, runs = (
            kv.pop("scale", "tiny"),
            int(kv.pop("seed", "1")),
            int(kv.pop("runs", "3")),
        )
        days = int(kv.pop("days")) if "days" in kv else None
    except ValueError as exc:
        raise InvalidInput(Msg("problem.invalid-input.world_spec", {"error": str(exc)})) from exc
    if kv:
        raise InvalidInput(Msg("problem.invalid-input.world_spec_keys", {"keys": sorted(kv)}))
    if not 1 <= runs <= 20:
        raise InvalidInput(Msg("problem.invalid-input.world_spec_runs", {"min": 1, "max": 20}))
    base = load_spec(scale)
    mapping: dict[str, object] = {"base": scale, "name": f"{base.name}-impact"}
    if days is not None:
        mapping["days"] = days
    return mapping, seed, runs


@dataclass
class SimResult:
    change: SimChange
    world: dict[str, object]
    seeds: list[int]
    level: float
    rows: list[dict[str, object]] = field(default_factory=list)
    responses: list[dict[str, int]] = field(default_factory=list)
    own_shop: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "change": self.change.describe(),
            "world": self.world,
            "seeds": self.seeds,
            "level": self.level,
            "own_shop": self.own_shop,
            "own_shop_note": (
                f"own-shop GMV is the shop_gmv row partner:{OWN_SLUG}"
                if self.own_shop
                else "this world has no own shop"
            ),
            "responses": self.responses,
            "rows": self.rows,
        }


def _per_scope(
    con: duckdb.DuckDBPyConnection, outcome: str, days: list[date]
) -> dict[tuple[str, str], float]:
    table = panel.events(con, outcome)  # type: ignore[arg-type]
    out: dict[tuple[str, str], float] = {}
    for dim in ("partner", "category"):
        p = panel.daily(table, outcome, dim, days[0], days[-1])
        for unit, row in zip(p.units, p.values, strict=True):
            out[(outcome, f"{dim}:{unit}")] = float(row.mean())
        out[(outcome, "all")] = float(p.values.sum(0).mean()) if p.units else 0.0
    return out


def _earnings(con: duckdb.DuckDBPyConnection, lo: date, hi: date) -> float:
    row = con.execute(
        "SELECT COALESCE(SUM(COALESCE(c.value, 0) / COALESCE(NULLIF(c.sample_rate, 0), 1)), 0) "
        "FROM w_conv c JOIN w_touches t ON t.click_id = c.click_id AND t.kind = 'click' "
        "JOIN w_note_dims d ON d.note_id = t.note_id WHERE d.creator_id IS NOT NULL "
        "AND c.kind IN ('purchase', 'refund') AND CAST(c.ts AS DATE) BETWEEN ? AND ?",
        [lo, hi],
    ).fetchone()
    return float(row[0] if row else 0.0) * CREATOR_COMMISSION / ((hi - lo).days + 1)


def _boost(world: Path, days: list[date]) -> dict[tuple[str, str], float]:
    from seedtrail.attribution.report import ReportSpec, build

    daily = build(world, ReportSpec(models=("last_touch",), primary="last_touch")).tables["daily"]
    keep = [d in set(days) for d in daily.column("day").to_pylist()]
    spend = float(np.nansum(np.asarray(daily.column("spend").to_pylist(), float)[keep]))
    gmv = float(np.nansum(np.asarray(daily.column("gmv_scaled").to_pylist(), float)[keep]))
    return {("spend", "all"): spend / len(days), ("roas", "all"): gmv / spend if spend else 0.0}


def _health(world: Path, days: list[date]) -> dict[tuple[str, str], float]:
    bad = pq.read_table(world / "truth/bad_items.parquet").to_pylist()
    comments = pq.read_table(world / "events/comments.parquet", columns=["comment_id", "ts"])
    notes = pq.read_table(world / "entities/notes.parquet", columns=["note_id", "published_at"])
    when = dict(
        zip(
            comments.column("comment_id").to_pylist(),
            comments.column("ts").to_pylist(),
            strict=True,
        )
    )
    published = dict(
        zip(
            notes.column("note_id").to_pylist(),
            notes.column("published_at").to_pylist(),
            strict=True,
        )
    )
    inside = set(days)
    counts = dict.fromkeys(HEALTH, 0)
    for item in bad:
        if item["kind"] not in counts:
            continue
        ts = (when if item["item_type"] == "comment" else published).get(item["item_id"])
        if ts is not None and ts.date() in inside:
            counts[item["kind"]] += 1
    return {(HEALTH[k], "all"): v / len(days) for k, v in counts.items()}


def measure_world(world: Path, days: list[date]) -> dict[tuple[str, str], float]:
    """Every figure of one world as a mean per day over ``days``."""
    from seedtrail.attribution.world import WorldDir, register

    con = duckdb.connect()
    try:
        register(con, WorldDir(world))
        out = {**_per_scope(con, "clicks", days), **_per_scope(con, "shop_gmv", days)}
        out[("creator_earnings", "all")] = _earnings(con, days[0], days[-1])
        for figure in ("clicks", "shop_gmv"):  # the own shop's rows, even on days it sold none
            out.setdefault((figure, f"partner:{OWN_SLUG}"), 0.0)
    finally:
        con.close()
    return {**out, **_boost(world, days), **_health(world, days)}


def _closures(c: SimChange, days: int) -> tuple[responses.Closure | None, responses.Closure | None]:
    """(without, with): the world as it would be without the change, and with it."""
    end = days if c.end_day is None else c.end_day
    if c.effect == "close":
        return None, responses.Closure(c.first_day, end, c.category, c.partner)
    before = responses.Closure(0, days, c.category, c.partner)
    return before, (
        responses.Closure(0, c.first_day, c.category, c.partner) if c.first_day else None
    )


def run(world_spec: str, change_text: str, level: float = 0.9) -> SimResult:
    from seedtrail.sim.runner import generate

    if not 0 < level < 1:
        raise InvalidInput(Msg("problem.invalid-input.level", {"level": level}))
    mapping, first_seed, runs = parse_world_spec(world_spec)
    spec = spec_from_mapping(mapping)
    start = date.fromisoformat(spec.start)
    change = parse_change(change_text, start)
    end = spec.days if change.end_day is None else min(change.end_day, spec.days)
    if not 0 <= change.first_day < end:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.sim_change_span",
                {"first": change.first_day, "end": end, "days": spec.days},
            )
        )
    try:
        pair = _closures(change, spec.days)
    except ValueError as exc:
        raise InvalidInput(Msg("problem.invalid-input.sim_change", {"error": str(exc)})) from exc
    days = [start + timedelta(days=d) for d in range(change.first_day, end)]
    result = SimResult(change, mapping, list(range(first_seed, first_seed + runs)), level)
    diffs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    params = responses.ResponseParams()
    with tempfile.TemporaryDirectory(prefix="seedtrail-impact-") as tmp:
        for seed in result.seeds:
            base = Path(tmp) / f"{seed}-base"
            generate(spec, seed, base)
            worlds = []
            for side, closure in zip(("without", "with"), pair, strict=True):
                if closure is None:
                    worlds.append(base)
                    continue
                target = Path(tmp) / f"{seed}-{side}"
                counts = responses.apply(base, target, closure, params, seed)
                if side == "with":
                    result.responses.append({"seed": seed, **counts})
                worlds.append(target)
            a, b = (measure_world(w, days) for w in worlds)
            for key in sorted(set(a) | set(b)):
                diffs.setdefault(key, []).append((a.get(key, 0.0), b.get(key, 0.0)))
    result.rows = [
        paired_row(key, pairs, level) for key, pairs in sorted(diffs.items(), key=_order)
    ]
    # the community's own shop (号店一体), a partner of every simulated world: its GMV is the
    # shop_gmv row of that partner
    result.own_shop = ("shop_gmv", f"partner:{OWN_SLUG}") in diffs
    return result


ORDER = ("clicks", "shop_gmv", "spend", "roas", "creator_earnings", *HEALTH.values())


def _order(item: tuple[tuple[str, str], Any]) -> tuple[int, str]:
    (figure, scope), _ = item
    return ORDER.index(figure), scope


def paired_row(
    key: tuple[str, str], pairs: list[tuple[float, float]], level: float
) -> dict[str, object]:
    """A figure with and without the change over seeds: means, the mean paired difference and
    its Student t interval (none from one seed)."""
    without = np.array([p[0] for p in pairs])
    with_ = np.array([p[1] for p in pairs])
    d = with_ - without
    low = high = None
    if len(d) > 1:
        half = float(stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
        low, high = float(d.mean() - half), float(d.mean() + half)
    return {
        "figure": key[0],
        "scope": key[1],
        "without": float(without.mean()),
        "with": float(with_.mean()),
        "difference": float(d.mean()),
        "low": low,
        "high": high,
    }

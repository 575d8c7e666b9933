"""Scoring backhaul health against a simulated world's injected faults (``truth/backhaul_faults``).

The world goes through the production path first (entities and links loaded, the link taps in
the click log, the shops' files through intake, the lake sealed: what ``seedtrail demo`` runs);
then :func:`seedtrail.intake.flags.flagged_windows` judges each partner over the whole world,
and only here is the truth read:

- ``gap``: an injected gap is found when a ``gap`` flag of its partner overlaps it;
- ``late`` / ``duplicate`` are per event, at a constant rate (the partner's normal): one is found
  when health counts it (a late event in its hour's ``late`` count, a repeated delivery in the
  duplicates count); no window should be flagged for them;
- a ``lag`` flag on the latest hours (``provisional``) is right when events of the partner were
  still undelivered at the world's end (``truth/conversions`` state ``not_yet_delivered``);
- every other flag is a false alarm. The target: at most one per partner per 30 days.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.compute as pc

from seedtrail.contracts import BACK_KINDS
from seedtrail.core.settings import Settings
from seedtrail.intake import gaps as gap_test
from seedtrail.intake.flags import Assessment, Flag, Rules, assess
from seedtrail.intake.series import LATE_S, to_us
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import intake_counts
from seedtrail.store.store import Store


@dataclass
class Score:
    partners: int = 0
    days: float = 0.0
    gaps: int = 0
    gaps_found: int = 0
    gaps_detectable: int = 0  # gaps whose silence a test at the false-alarm budget can see
    late: int = 0
    late_found: int = 0
    duplicates: int = 0
    duplicates_found: int = 0
    flags: int = 0
    false_alarms: int = 0
    false: list[dict[str, object]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "partners", "days", "gaps", "gaps_found", "gaps_detectable", "late", "late_found",
            "duplicates", "duplicates_found", "flags", "false_alarms",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.false += other.false

    def recall(self, kind: str) -> float | None:
        total = getattr(self, kind)
        return None if total == 0 else getattr(self, f"{kind}_found") / total

    @property
    def false_alarms_per_partner_30d(self) -> float:
        return self.false_alarms / max(self.days / 30.0, 1e-9)  # days are partner-days


def world_span(world_dir: Path) -> tuple[datetime, datetime]:
    """The world's first and last instants (day 0 at UTC midnight, ``days`` long)."""
    spec = json.loads((world_dir / "manifest.json").read_text("utf-8"))["spec"]
    start = datetime.fromisoformat(str(spec["start"])).replace(tzinfo=UTC)
    return start, start + timedelta(days=int(spec["days"]))


def score(settings: Settings, store: Store, world_dir: Path) -> tuple[Score, list[Flag]]:
    start, end = world_span(world_dir)
    con = duckdb.connect()
    faults = con.execute(
        "SELECT partner, kind, event_id, starts_at, ends_at FROM read_parquet(?)",
        [str(world_dir / "truth" / "backhaul_faults.parquet")],
    ).fetchall()
    pending = con.execute(
        "SELECT partner, min(ts) FROM read_parquet(?) WHERE delivery = 'not_yet_delivered' "
        "GROUP BY partner",
        [str(world_dir / "truth" / "conversions.parquet")],
    ).fetchall()
    pending_from = {p: t for p, t in pending}
    lake = Lake(settings.effective_lake_url)
    total, flags = Score(), []
    with store.read() as conn:
        for slug in sorted({str(f[0]) for f in faults} | set(pending_from)):
            judged = assess(conn, lake, slug, start, end)
            found = judged.flags
            flags += found
            s = _score_partner(slug, found, faults, pending_from.get(slug), start, end)
            s.gaps_detectable = _detectable(judged, faults)
            late = [str(f[2]) for f in faults if f[0] == slug and f[1] == "late"]
            s.late_found = _late_counted(lake, slug, late)
            dups = conn.execute(intake_counts.select().where(intake_counts.c.source == slug)).all()
            s.duplicates_found = min(s.duplicates, sum(int(r.duplicates) for r in dups))
            total.add(s)
    return total, flags


def _score_partner(
    slug: str,
    found: list[Flag],
    faults: list[tuple[Any, ...]],
    pending_from: datetime | None,
    start: datetime,
    end: datetime,
) -> Score:
    mine = [f for f in faults if f[0] == slug]
    gaps = [(f[3], f[4]) for f in mine if f[1] == "gap"]
    s = Score(partners=1, days=(end - start).total_seconds() / 86400)
    s.gaps = len(gaps)
    s.gaps_found = sum(any(f.kind == "gap" and f.overlaps(a, b) for f in found) for a, b in gaps)
    s.late = sum(f[1] == "late" for f in mine)
    s.duplicates = sum(f[1] == "duplicate" for f in mine)
    s.flags = len(found)
    for f in found:
        if f.kind == "gap" and any(f.overlaps(a, b) for a, b in gaps):
            continue
        pending = pending_from is not None and f.end > pending_from
        if f.kind == "lag" and f.evidence.get("provisional") and pending:
            continue
        s.false_alarms += 1
        s.false.append(f.to_dict())
    return s


def _late_counted(lake: Lake, slug: str, event_ids: list[str]) -> int:
    """How many of these events health counts as late (arrived more than LATE_S late)."""
    if not event_ids:
        return 0
    wanted = set(event_ids)
    n = 0
    for part in (p for kind in BACK_KINDS for p in lake.partitions(kind)):
        t = lake.read(part, ["partner", "event_id", "ts", "received_at"])
        if t is None or "partner" not in t.column_names:
            continue
        t = t.filter(pc.equal(t.column("partner"), slug))
        delay = pc.subtract(t.column("received_at").cast("int64"), t.column("ts").cast("int64"))
        for e, d in zip(t.column("event_id").to_pylist(), delay.to_pylist(), strict=True):
            if e in wanted and d > LATE_S * 1e6:
                n += 1
    return n


def _detectable(judged: Assessment, faults: list[tuple[Any, ...]]) -> int:
    """Injected gaps that a test at the false-alarm budget could see at all: even with no
    event in the gap, a Poisson count with the gap's expected events must fall below the
    per-window threshold (half of it, the count test's share)."""
    s, n = judged.series, 0
    cutoff = gap_test.threshold(Rules().alpha / 2)
    for partner, kind, _, a, b in faults:
        if partner != judged.partner.slug or kind != "gap":
            continue
        lo = max((to_us(a) - s.start_us) // 3_600_000_000, 0)
        hi = max((to_us(b) - s.start_us) // 3_600_000_000, lo)
        mu = float(judged.expected[lo:hi].sum())
        n += int(mu > -math.log(cutoff))
    return n

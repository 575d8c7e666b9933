"""Scoring health against a world's injected faults: the scoring rules, and a tiny world run
through the production path (the full figures per scale: bench/backhaul_health.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from seedtrail.core.settings import load_settings
from seedtrail.demo import world as demo_world
from seedtrail.intake import health_eval
from seedtrail.intake.flags import Flag
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import PARTNERS, load_spec
from seedtrail.store import migrate
from seedtrail.store.store import Store

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def test_a_gap_flag_that_overlaps_the_injected_gap_finds_it_and_others_are_false_alarms() -> None:
    faults = [("jd", "gap", None, at(100), at(106)), ("jd", "late", "jd-1", at(3), at(20))]
    found = [
        Flag("jd", "gap", at(104), at(110)),  # overlaps: found
        Flag("jd", "gap", at(200), at(203)),  # nothing injected there: a false alarm
        Flag("jd", "duplicates", at(50), at(51)),  # constant-rate faults flag nothing
        Flag("jd", "lag", at(230), at(240), {"provisional": True}),  # events were pending
    ]
    s = health_eval._score_partner("jd", found, faults, at(235), T0, at(240))
    assert (s.gaps, s.gaps_found, s.late, s.flags, s.false_alarms) == (1, 1, 1, 4, 2)
    assert {f["kind"] for f in s.false} == {"gap", "duplicates"}
    nothing_pending = health_eval._score_partner("jd", found[3:], faults, None, T0, at(240))
    assert nothing_pending.false_alarms == 1


def test_a_tiny_world_through_intake(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate(load_spec("tiny"), 7, world, None)
    settings = load_settings(data_dir=tmp_path / "data")
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    try:
        demo_world.deliver(settings, store, demo_world.WorldSummary(world, 7, ""), lambda _: None)
        score, _ = health_eval.score(settings, store, world)
    finally:
        store.dispose()
    assert score.partners == len(PARTNERS) and score.gaps == 1
    assert score.late_found == score.late > 0
    assert score.duplicates_found == score.duplicates > 0
    assert score.gaps_found >= score.gaps_detectable  # every gap the data can show is found
    assert score.false_alarms_per_partner_30d <= 1.0, score.false

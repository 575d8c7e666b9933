"""Flagged windows: the low-volume gap test against the partner's own history, clicks answered
410 left out, health judged as of the deployment's latest data, and the hold window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert

from seedtrail.core.principals import Principal
from seedtrail.intake import flags, holds
from seedtrail.intake.events import check
from seedtrail.intake.inbox import Inbox
from seedtrail.intake.series import HOUR_US
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import clicks

World = Any  # the `world` fixture (tests/intake/conftest.py)
START = datetime(2025, 3, 1, tzinfo=UTC)  # in the past, as a demo world is
START_US = int(START.timestamp() * 1e6)
DAYS = 14
OPERATOR = Principal(1, "ops", "operator")


def feed(
    world: World,
    *,
    rate: float,
    gap: tuple[int, int] | None = None,
    clicks_per_hour: int = 0,
    outcome: str = "redirect",
    seed: int = 0,
) -> None:
    """``DAYS`` days of a partner sending Poisson(``rate`` x a day/night profile) searches per
    hour, and a store visit for every click (half of them echo the click id); nothing in the
    ``gap`` hours (first, last). Clicks in the gap hours are logged with ``outcome``."""
    rng = np.random.default_rng(seed)
    events: list[dict[str, Any]] = []
    taps: list[dict[str, Any]] = []
    for h in range(DAYS * 24):
        at = START_US + h * HOUR_US
        in_gap = gap is not None and gap[0] <= h < gap[1]
        for i in range(clicks_per_hour):
            taps.append(
                _click(world, f"c{h}-{i}", at + i * 1000, outcome if in_gap else "redirect")
            )
            if not in_gap and i % 2 == 0:
                events.append(_event(f"v{h}-{i}", "store_visit", at + i * 1000, f"c{h}-{i}"))
        if in_gap:
            continue
        profile = 0.4 + 1.2 * (8 <= h % 24 < 22)  # quieter at night
        for i in range(int(rng.poisson(rate * profile))):
            events.append(_event(f"s{h}-{i}", "search", at + 60_000_000 + i * 1000, None))
    if taps:
        with world.store.transaction() as conn:
            conn.execute(insert(clicks), taps)
    got = check(events, "back", world.slug, 0, keep_received=True)
    assert not got.rejected
    Inbox(world.store.engine).put_now(got.rows)


def _event(event_id: str, kind: str, ts_us: int, click: str | None) -> dict[str, Any]:
    doc = {"event_id": event_id, "kind": kind, "ts": ts_us / 1e6, "sample_rate": 0.5,
           "received_at": ts_us / 1e6 + 30}  # fmt: skip
    if click:
        doc["click_id"] = click
    else:
        doc["shop_user_key"] = f"u-{event_id}"
    return doc


def _click(world: World, click_id: str, ts_us: int, outcome: str) -> dict[str, Any]:
    return {"click_id": click_id, "ts_us": ts_us, "mount_id": 1, "code": "abc",
            "placement": "note_card", "partner_id": world.partner_id, "offer_id": 1,
            "viewer_key": click_id, "method": "GET", "ua_class": "app", "outcome": outcome,
            "is_bot": False, "is_duplicate": False}  # fmt: skip


def windows(world: World, end: datetime | None = None) -> list[flags.Flag]:
    with world.store.read() as conn:
        return flags.flagged_windows(
            conn,
            Lake(world.settings.effective_lake_url),
            world.slug,
            START,
            end or START + timedelta(days=DAYS),
        )


def hour(h: int) -> datetime:
    return START + timedelta(hours=h)


def test_a_twelve_hour_silence_at_one_event_an_hour_is_a_gap(world: World) -> None:
    feed(world, rate=1.0, gap=(200, 212))
    found = [f for f in windows(world) if f.kind == "gap"]
    assert len(found) == 1, found
    (g,) = found
    assert g.overlaps(hour(200), hour(212))
    assert hour(196) <= g.start and g.end <= hour(216)  # located to within a few hours
    assert g.evidence["events"] == 0 and g.evidence["expected"] > 8
    assert g.evidence["p_value"] < 1e-4


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_quiet_hours_of_a_low_volume_partner_are_no_gap(world: World, seed: int) -> None:
    """At 0.3 events an hour many hours are empty by chance; none of it is flagged."""
    feed(world, rate=0.3, seed=seed)
    assert [f for f in windows(world) if f.kind == "gap"] == []


def test_clicks_answered_410_are_not_clicks_sent_to_the_shop(world: World) -> None:
    """A kill switch closes the links: taps answered 410 send nobody to the shop, so the shop's
    silence then is no gap; the same silence while clicks reached the shop is one."""
    feed(world, rate=0.0, gap=(200, 206), clicks_per_hour=4, outcome="unavailable")
    assert [f for f in windows(world) if f.kind == "gap"] == []


def test_the_same_silence_with_clicks_reaching_the_shop_is_a_gap(world: World) -> None:
    feed(world, rate=0.0, gap=(200, 206), clicks_per_hour=4, outcome="redirect")
    (g,) = [f for f in windows(world) if f.kind == "gap"]
    assert g.overlaps(hour(200), hour(206))
    assert g.evidence["clicks_sent"] >= 20 and g.evidence["clicks_echoed"] == 0


def test_health_is_judged_as_of_the_latest_data_not_the_wall_clock(world: World) -> None:
    """The data end in March 2025; asked up to now, health is judged at the data's end (it would
    otherwise expect events for every hour since and call the whole time a gap)."""
    feed(world, rate=1.0)
    with world.store.read() as conn:
        at = flags.as_of(conn, datetime.now(UTC))
    assert at == START + timedelta(days=DAYS)
    assert [f for f in windows(world, end=datetime.now(UTC)) if f.kind == "gap"] == []


def test_a_window_in_the_first_days_of_year_one_learns_what_history_there_is(
    world: World,
) -> None:
    """The 28 days of history before a window that ends on 0001-01-08 would start before year 1:
    an OverflowError (a 500 on the dashboard's health page for ``?end=0001-01-08``)."""
    feed(world, rate=1.0)
    for end in (datetime(1, 1, 8, tzinfo=UTC), datetime(1, 2, 1, tzinfo=UTC)):
        with world.store.read() as conn:
            got = flags.assess(conn, Lake(world.settings.effective_lake_url), world.slug,
                               datetime(1, 1, 1, tzinfo=UTC), end)  # fmt: skip
        assert got.as_of == end and got.flags == []


def test_a_hold_is_a_flagged_window_until_released(world: World) -> None:
    feed(world, rate=1.0)
    with world.store.transaction() as conn:
        holds.hold(conn, OPERATOR, world.partner_id, "backhaul missing since Tuesday")
    now = datetime.now(UTC)
    with world.store.read() as conn:
        found = flags.flagged_windows(
            conn, Lake(world.settings.effective_lake_url), world.slug, now - timedelta(hours=1),
            now + timedelta(hours=1),
        )  # fmt: skip
        in_force = flags.holds_in_force(conn)
    (held,) = [f for f in found if f.kind == "held"]
    assert (held.start, held.end) == (now - timedelta(hours=1), now + timedelta(hours=1))
    assert held.evidence["reason"] == "backhaul missing since Tuesday"
    assert held.evidence["in_force"] is True
    assert in_force[world.slug].reason == "backhaul missing since Tuesday"
    with world.store.transaction() as conn:
        holds.release(conn, OPERATOR, world.partner_id, "backfilled")
    assert [f for f in windows(world) if f.kind == "held"] == []
    with world.store.read() as conn:
        assert flags.holds_in_force(conn) == {}
        (past,) = holds.history(conn, world.partner_id)
    assert past.released_at is not None and past.release_reason == "backfilled"

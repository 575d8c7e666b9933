from __future__ import annotations

import time
from datetime import date
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from seedtrail.intake import sealer
from seedtrail.intake.signature import HEADER, sign
from seedtrail.lake.layout import Lake, Partition
from seedtrail.store.schema import inbox

World = Any  # the `world` fixture (tests/intake/conftest.py)


def ev(i: int, day: int, kind: str = "store_visit") -> dict[str, Any]:
    extra = {"value": 10.0 + i, "order_id": f"o{i}"} if kind == "purchase" else {}
    return {
        "event_id": f"e{i}",
        "kind": kind,
        "ts": f"2026-11-{day:02d}T23:59:59.999999+00:00",
        "shop_user_key": f"shop-{i}",
        "sample_rate": 1.0,
        **extra,
    }


def send(client: TestClient, world: World, events: list[dict[str, Any]]) -> None:
    raw = orjson.dumps(events)
    r = client.post(
        f"/partners/{world.slug}/events",
        content=raw,
        headers={HEADER: sign(world.secrets[0], raw, int(time.time()))},
    )
    assert r.status_code == 200, r.text


def seal(world: World) -> sealer.SealReport:
    lake = Lake(world.settings.effective_lake_url)
    return sealer.seal(world.store, lake, world.settings.data_dir)


def lake_ids(world: World) -> list[str]:
    lake = Lake(world.settings.effective_lake_url)
    out: list[str] = []
    for part in lake.partitions():
        out += lake.read(part).column("event_id").to_pylist()  # type: ignore[union-attr]
    return sorted(out)


def test_late_events_land_in_their_day_and_inbox_empties(client: TestClient, world: World) -> None:
    send(client, world, [ev(1, 20), ev(2, 20, "purchase"), ev(3, 3, "purchase")])  # e3: weeks late
    report = seal(world)
    assert (report.read, report.written, report.duplicates) == (3, 3, 0)
    lake = Lake(world.settings.effective_lake_url)
    assert lake.partitions() == [
        Partition("purchase", date(2026, 11, 3)),
        Partition("purchase", date(2026, 11, 20)),
        Partition("store_visit", date(2026, 11, 20)),
    ]
    late = lake.read(Partition("purchase", date(2026, 11, 3)))
    assert late is not None and late.column("event_id").to_pylist() == ["e3"]
    assert late.column("received_at")[0].as_py().year == time.gmtime().tm_year
    with world.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar_one() == 0


def test_redelivery_after_sealing_is_stored_once(client: TestClient, world: World) -> None:
    send(client, world, [ev(i, 20) for i in range(5)])
    seal(world)
    send(client, world, [ev(i, 20) for i in range(3, 8)])  # 3 and 4 again, after sealing
    report = seal(world)
    assert (report.written, report.duplicates) == (3, 2)
    assert lake_ids(world) == [f"e{i}" for i in range(8)]


def test_crash_between_write_and_delete_reseals_exactly_once(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(client, world, [ev(i, 20) for i in range(4)])

    def crash(*a: object, **k: object) -> None:
        raise KeyboardInterrupt("power cut")

    with monkeypatch.context() as m:
        m.setattr(sealer, "_forget", crash)
        with pytest.raises(KeyboardInterrupt):
            seal(world)
    assert lake_ids(world) == ["e0", "e1", "e2", "e3"]  # written, inbox not yet cleared
    report = seal(world)
    assert (report.read, report.written, report.duplicates) == (4, 0, 4)
    assert lake_ids(world) == ["e0", "e1", "e2", "e3"]


def test_progress_counts_the_clicks_staged_in_its_total(client: TestClient, world: World) -> None:
    """The CLI's bar read 6/0: its total was the inbox before the logged clicks joined it."""
    from sqlalchemy import insert

    from seedtrail.store.schema import clicks

    send(client, world, [ev(1, 20)])
    row = {"ts_us": 1_795_000_000_000_000, "mount_id": 1, "code": "abc", "offer_id": 1,
           "placement": "note_card", "partner_id": world.partner_id, "viewer_key": "v",
           "method": "GET", "ua_class": "app", "outcome": "redirect", "is_bot": False,
           "is_duplicate": False}  # fmt: skip
    with world.store.transaction() as conn:
        conn.execute(insert(clicks), [{**row, "click_id": f"c{i}"} for i in range(5)])
    heard: list[tuple[int, int]] = []
    lake = Lake(world.settings.effective_lake_url)
    report = sealer.seal(
        world.store, lake, world.settings.data_dir, progress=lambda n, t: heard.append((n, t))
    )
    assert report.read == 6 and heard == [(0, 6), (6, 6)], heard

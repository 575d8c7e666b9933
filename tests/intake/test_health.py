from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import orjson
import pytest
from sqlalchemy import insert

from factories import OPERATOR
from seedtrail.intake import alerts, holds, sealer
from seedtrail.intake.directory import PartnerDirectory
from seedtrail.intake.events import check
from seedtrail.intake.health import HOUR_US
from seedtrail.intake.inbox import Inbox
from seedtrail.lake.layout import Lake
from seedtrail.store.schema import clicks

World = Any  # the `world` fixture (tests/intake/conftest.py)
START = datetime(2026, 11, 20, tzinfo=UTC)
START_US = int(START.timestamp() * 1e6)
HOURS = 6
CLICKS_PER_HOUR = 100


def inject(world: World, *, gap_hour: int | None, dup_hour: int | None) -> None:
    """Clicks sent every hour; the shop reports half of them (declared rate 0.5) two minutes
    later, except nothing in ``gap_hour`` and a re-delivery of 30 events in ``dup_hour``."""
    with world.store.transaction() as conn:
        conn.execute(
            insert(clicks),
            [
                {
                    "click_id": f"c{h}-{i}",
                    "ts_us": START_US + h * HOUR_US + i * 1000,
                    "mount_id": 1,
                    "code": "abc",
                    "placement": "note_card",
                    "partner_id": world.partner_id,
                    "offer_id": 1,
                    "viewer_key": f"v{i}",
                    "method": "GET",
                    "ua_class": "app",
                    "outcome": "web",
                    "is_bot": False,
                    "is_duplicate": False,
                }
                for h in range(HOURS)
                for i in range(CLICKS_PER_HOUR)
            ],
        )
    inbox = Inbox(world.store.engine)
    for h in range(HOURS):
        if h == gap_hour:
            continue
        events = [
            {
                "event_id": f"v{h}-{i}",
                "kind": "store_visit",
                "click_id": f"c{h}-{i}",
                "ts": (START_US + h * HOUR_US + i * 1000) / 1e6,
                "received_at": (START_US + h * HOUR_US + i * 1000) / 1e6 + 120,
                "sample_rate": 0.5,
            }
            for i in range(0, CLICKS_PER_HOUR, 2)
        ]
        if h == dup_hour:
            events += events[:30]
        got = check(events, "back", world.slug, 0, keep_received=True)
        assert not got.rejected
        inbox.put_now(got.rows)


def assess(world: World, webhook: str | None = None) -> tuple[Any, bool]:
    entry = PartnerDirectory(world.store).get(world.slug)
    lake = Lake(world.settings.effective_lake_url)
    end = datetime.fromtimestamp((START_US + HOURS * HOUR_US) / 1e6, UTC)
    return alerts.check(world.store, lake, entry, webhook, end, HOURS)


def test_healthy_stream_is_ok(world: World) -> None:
    inject(world, gap_hour=None, dup_hour=None)
    health, _ = assess(world)
    assert health.status == "ok", health.reasons
    h = health.hours[0]
    assert (h.clicks, h.visits) == (100, 50)  # clicks sent, and echoed by an event
    assert h.received == {"events": 50, "with_click": 50, "late": 0}
    assert h.completeness == pytest.approx(1.0)
    assert h.observed_sample_rate == pytest.approx(0.5)
    assert h.lag_p95_s == pytest.approx(120, abs=1)


def test_a_partner_with_nothing_to_judge_has_no_data_not_ok(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No click sent, nothing sent back: the status read ``ok`` (a green badge beside "no clicks
    were sent"). It is ``no_data`` now: in the API, the dashboard and ``seedtrail health``; it
    alerts no one (a quiet hour does not flap) and keeps the last judged status."""
    health, sent = assess(world, "http://127.0.0.1:9/unreachable")  # not called: no alert
    assert health.status == "no_data" and not sent and health.reasons == []
    with world.store.read() as conn:
        assert alerts.previous_status(conn, world.partner_id) == "ok"
    with world.store.transaction() as conn:  # a hold is a reason, not data to judge
        holds.hold(conn, OPERATOR, world.partner_id, "orders missing")
    health, _ = assess(world)
    assert health.status == "no_data" and [f.kind for f in health.flags] == ["held"]
    monkeypatch.setenv("SEEDTRAIL_LANG", "en")
    code, out, _ = world.cli(capsys, "health", "show", world.slug)
    assert code == 0 and f"{world.slug}: no data" in out
    monkeypatch.setenv("SEEDTRAIL_LANG", "zh-CN")
    assert f"{world.slug}: 无数据" in world.cli(capsys, "health", "show", world.slug)[1]
    inject(world, gap_hour=None, dup_hour=None)  # then clicks and visits: judged again
    assert assess(world)[0].status == "ok"


@pytest.mark.parametrize("seal_first", [False, True])
def test_gap_and_duplicates_are_found(world: World, seal_first: bool) -> None:
    inject(world, gap_hour=3, dup_hour=4)
    if seal_first:  # the same answer from the lake as from the inbox
        sealer.seal(world.store, Lake(world.settings.effective_lake_url), world.settings.data_dir)
    health, _ = assess(world)
    assert health.status == "broken"
    hours = {h.hour[11:16]: h for h in health.hours}
    assert hours["03:00"].gap and not hours["02:00"].gap
    assert hours["04:00"].duplicates == 30 and hours["04:00"].visits == 50
    assert hours["04:00"].duplicate_rate == pytest.approx(30 / 80)
    text = " | ".join(health.reasons)
    assert "gap" in text and "T03:00" in text
    assert "duplicates" in text and "T04:00" in text


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(orjson.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


def test_webhook_fires_once_per_change(world: World, webhook: tuple[str, list[Any]]) -> None:
    url, got = webhook
    inject(world, gap_hour=2, dup_hour=None)
    _, sent = assess(world, url)
    assert sent and got[0]["status"] == "broken" and got[0]["previous"] == "ok"
    assert got[0]["partner"] == world.slug
    _, sent = assess(world, url)
    assert not sent and len(got) == 1


def test_failed_webhook_is_retried(world: World) -> None:
    inject(world, gap_hour=2, dup_hour=None)
    with pytest.raises(Exception):
        assess(world, "http://127.0.0.1:9/unreachable")
    with world.store.read() as conn:
        assert alerts.previous_status(conn, world.partner_id) == "ok"


@pytest.mark.parametrize("seal_first", [False, True])
def test_an_order_sent_again_under_a_new_event_id_is_found(world: World, seal_first: bool) -> None:
    """Event-id dedup stores both (they are different events), so health names the hour: the
    report would otherwise count that order's GMV twice."""
    inject(world, gap_hour=None, dup_hour=None)
    at = START_US + 2 * HOUR_US + 5_000_000

    def purchase(event_id: str, order_id: str, later_s: float) -> dict[str, Any]:
        return {"event_id": event_id, "kind": "purchase", "order_id": order_id, "value": 99.0,
                "shop_user_key": "u-1",
                "currency": "CNY", "ts": at / 1e6 + later_s,
                "received_at": at / 1e6 + later_s + 60, "sample_rate": 0.5}  # fmt: skip

    events = [purchase("p1", "o-1", 0), purchase("p2", "o-2", 1), purchase("p1-again", "o-1", 3600)]
    got = check(events, "back", world.slug, 0, keep_received=True)
    assert not got.rejected
    inbox = Inbox(world.store.engine)
    inbox.put_now(got.rows)
    inbox.put_now(check(events[:1], "back", world.slug, 0, keep_received=True).rows)  # a retry
    if seal_first:
        sealer.seal(world.store, Lake(world.settings.effective_lake_url), world.settings.data_dir)
    health, _ = assess(world)
    hours = {h.hour[11:16]: h for h in health.hours}
    assert hours["02:00"].reused_orders == 0  # the first copy of each order, and the retry
    assert hours["03:00"].reused_orders == 1  # o-1 again, an hour later, as a new event
    assert health.status == "degraded"
    assert any(r.startswith("orders: ") and "T03:00" in r for r in health.reasons)

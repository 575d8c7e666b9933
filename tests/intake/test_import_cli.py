from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from seedtrail.lake.layout import Lake
from seedtrail.links import partners
from seedtrail.store.schema import inbox

World = Any  # the `world` fixture (tests/intake/conftest.py)


def touch(i: int) -> dict[str, Any]:
    return {
        "touch_id": f"t{i}",  # attribution-CLI naming, accepted
        "user_key": f"用户{i}",
        "note_id": i,
        "kind": "like",
        "ts": f"2026-11-{1 + i % 3:02d}T10:00:00+00:00",
    }


def test_import_jsonl_csv_parquet_then_seal_stats_compact(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = tmp_path / "touches.jsonl"
    lines = [orjson.dumps(touch(i)).decode() for i in range(6)]
    lines.insert(2, "{not json")
    lines.insert(4, orjson.dumps({**touch(99), "kind": "click"}).decode())  # the redirect's
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    code, out, err = world.cli(
        capsys, "import", str(jsonl), "--kind", "front", "--errors", str(errors)
    )
    assert code == 2  # some lines were rejected
    assert "read 8, stored 6, already stored 0, rejected 2" in out
    assert "line 3: record: not valid JSON" in err
    assert "line 5: kind" in err
    report = [orjson.loads(x) for x in errors.read_text().splitlines()]
    assert [r["line"] for r in report] == [3, 5]

    path = tmp_path / "conversions.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(
            fh, ["conversion_id", "user_key", "kind", "ts", "value", "order_id", "sample_rate"]
        )
        w.writeheader()
        w.writerow(
            {
                "conversion_id": "p1",
                "user_key": "s1",
                "kind": "purchase",
                "ts": "2026-11-02T01:00:00Z",
                "value": "25.5",
                "order_id": "o1",
                "sample_rate": "1",
            }
        )
        w.writerow(
            {
                "conversion_id": "p2",
                "user_key": "s2",
                "kind": "purchase",
                "ts": "2026-11-02T01:00:00Z",
                "value": "",
                "order_id": "o2",
                "sample_rate": "1",
            }
        )
    code, out, err = world.cli(
        capsys, "import", str(path), "--kind", "back", "--partner", world.slug
    )
    assert "stored 1" in out and "line 3" in err

    code, out, _ = world.cli(capsys, "lake", "seal")
    assert code == 0 and "sealed 7 events" in out
    parquet = tmp_path / "touches.parquet"
    pq.write_table(pa.Table.from_pylist([touch(i) for i in range(4, 9)]), parquet)
    code, out, _ = world.cli(capsys, "import", str(parquet), "--kind", "front")
    assert code == 0 and "stored 5, already stored 0" in out  # t4, t5 are in the lake

    code, out, _ = world.cli(capsys, "lake", "seal")
    assert code == 0 and "sealed 5 events: 3 written" in out and "2 already in the lake" in out
    code, _, _ = world.cli(capsys, "import", str(parquet), "--kind", "front")  # replay
    code, out, _ = world.cli(capsys, "lake", "seal")
    assert "0 written" in out and "5 already in the lake" in out
    code, out, _ = world.cli(capsys, "lake", "stats")
    assert "like" in out and "purchase" in out
    lake = Lake(world.settings.effective_lake_url)
    ids = sorted(
        i for p in lake.partitions("like") for i in lake.read(p).column("event_id").to_pylist()
    )  # type: ignore[union-attr]
    assert ids == sorted(f"t{i}" for i in range(9))
    files_before = sum(len(lake.files(p)) for p in lake.partitions())
    code, out, _ = world.cli(capsys, "lake", "compact")
    assert code == 0 and "compacted 0 partitions" not in out
    assert sum(len(lake.files(p)) for p in lake.partitions()) < files_before


def test_import_back_needs_known_partner(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text("")
    code, _, err = world.cli(capsys, "import", str(f), "--kind", "back")
    assert code == 2 and "--partner" in err
    code, _, err = world.cli(capsys, "import", str(f), "--kind", "back", "--partner", "nope")
    assert code == 2 and "partner 'nope' not found" in err and "signature" not in err


def test_the_own_shops_orders_are_imported_as_orders_and_never_as_shop_events(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The platform's own shop records its orders natively: ``--kind orders`` takes them with
    the same checks as ``POST /partners/{partner}/orders`` (the buyer's community user key
    required); imported as a shop's events they would count twice: refused, nothing stored."""
    with world.store.transaction() as conn:
        partners.RESOURCE.repo.insert(
            conn, {"slug": "own", "name": "自营", "kind": "own_shop", "allowed_hosts": []}
        )
    ts = "2026-11-01T10:00:00+00:00"
    good = [
        {"event_id": "o1", "ts": ts, "kind": "purchase", "user_key": "u1", "value": 10.0,
         "order_id": "o1"},
        {"conversion_id": "o2", "ts": ts, "kind": "refund", "user_key": "u1", "value": -10.0,
         "order_id": "o1"},
    ]  # fmt: skip
    no_buyer = {"event_id": "o3", "ts": ts, "kind": "purchase", "value": 5.0, "order_id": "o3"}
    f = tmp_path / "orders.jsonl"
    f.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [*good, no_buyer]))

    def stored() -> list[tuple[str, str | None]]:
        with world.store.read() as conn:
            return sorted(conn.execute(select(inbox.c.event_id, inbox.c.source)).all())

    code, _, err = world.cli(capsys, "import", str(f), "--kind", "back", "--partner", "own")
    assert code == 2 and "own shop" in err and "/partners/own/orders" in err
    assert stored() == []
    code, _, err = world.cli(capsys, "import", str(f), "--kind", "orders", "--partner", world.slug)
    assert code == 2 and "not own_shop" in err  # another shop's events are not orders
    code, out, err = world.cli(capsys, "import", str(f), "--kind", "orders", "--partner", "own")
    assert code == 2 and "line 3" in err and "user_key" in err  # the one without a buyer
    assert "read 3" in out and "stored 2" in out
    assert stored() == [("o1", "own"), ("o2", "own")]
    code, out, _ = world.cli(capsys, "import", str(f), "--kind", "orders", "--partner", "own")
    assert "stored 0, already stored 2" in out and stored() == [("o1", "own"), ("o2", "own")]


def test_health_cli(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = world.cli(capsys, "health", world.slug, "--hours", "2", "--hours-table")
    assert code == 0 and f"{world.slug}: no data" in out  # nothing sent yet: nothing to judge


def test_health_cli_all_partners(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = world.cli(capsys, "health")
    assert code == 0 and f"{world.slug}: no data" in out

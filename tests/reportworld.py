"""A small simulated world, and attribution artefacts of it, built once per test session and
shared by the report tests (attribution, API, CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from seedtrail.attribution import runs
from seedtrail.attribution.report import Report, ReportSpec, build
from seedtrail.core.settings import Settings
from seedtrail.sim.load import load_world
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import spec_from_mapping
from seedtrail.store.store import Store

SCALE = {"base": "tiny", "name": "report-test", "viewers": 2500, "days": 12}
SEED = 5
MODELS = ("last_touch", "position_based")
_cache: dict[str, Any] = {}


def world_dir(factory: pytest.TempPathFactory) -> Path:
    if "world" not in _cache:
        out = factory.mktemp("report-world")
        generate(spec_from_mapping(SCALE), SEED, out)
        _cache["world"] = out
    path: Path = _cache["world"]
    return path


def built_report(factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """The report of the world (two models), and the directory it was written to."""
    if "report" not in _cache:
        report = build(world_dir(factory), ReportSpec(models=MODELS, primary="position_based"))
        _cache["report"] = (report, report.write(factory.mktemp("report")))
    result: tuple[Report, Path] = _cache["report"]
    return result


def published_shop_rows(
    store: Store, settings: Settings, factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """Load the world into ``store``, publish its report in ``settings.data_dir`` (as a server
    reads it), and return the report's shop rows (``shop.parquet``)."""
    load_world(store, world_dir(factory), SEED)
    _, path = built_report(factory)
    runs.publish(settings.data_dir, path)
    rows: list[dict[str, Any]] = pq.read_table(path / "shop.parquet").to_pylist()
    return rows


def deployment_dir(factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the world as a deployment holds its data (store, sealed lake,
    clean-room matches: :func:`seedtrail.demo.world.deliver`), built once per session. Copy it
    before writing to it."""
    if "deployment" not in _cache:
        from seedtrail.core.settings import load_settings
        from seedtrail.demo import world as demo_world
        from seedtrail.store import migrate
        from seedtrail.store.store import Store

        data = factory.mktemp("deployment")
        settings = load_settings(data_dir=data)
        store = Store.from_settings(settings)
        migrate.upgrade(store.engine)
        out = demo_world.WorldSummary(world_dir(factory), SEED, "report-test")
        demo_world.deliver(settings, store, out, lambda _step: None)
        store.dispose()
        _cache["deployment"] = data
    path: Path = _cache["deployment"]
    return path

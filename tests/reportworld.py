"""A small simulated world, and attribution artefacts of it, built once per test session and
shared by the report tests (attribution, API, CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seedtrail.attribution.report import Report, ReportSpec, build
from seedtrail.sim.runner import generate
from seedtrail.sim.spec import spec_from_mapping

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

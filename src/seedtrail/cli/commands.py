"""Registers every command group on the root app. One import per capability."""

from __future__ import annotations

from seedtrail.cli import (  # noqa: F401
    attribute_cmd,
    attribute_report_cmd,
    cases_cmd,
    cleanroom_cmd,
    config_cmd,
    demo_cmd,
    impact_cmd,
    intake_cmd,
    integrity_cmd,
    lake_cmd,
    links_cmd,
    sim_cmd,
    store_cmd,
    validate_cmd,
)

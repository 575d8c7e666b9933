"""Engines that run an :class:`~seedtrail.attribution.spec.AttributionSpec`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from seedtrail.core.errors import EngineUnavailable, InvalidInput
from seedtrail.core.extras import require
from seedtrail.messages import Msg

if TYPE_CHECKING:
    from seedtrail.attribution.engines.base import SqlEngine

ENGINES = ("duckdb", "spark")


def open_engine(name: str) -> SqlEngine:
    """A fresh engine by name; close it (or use it as a context manager) when done."""
    if name == "duckdb":
        from seedtrail.attribution.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        require("pyspark", "spark", error=EngineUnavailable)
        from seedtrail.attribution.engines.spark import SparkEngine

        return SparkEngine()
    raise InvalidInput(
        Msg("problem.invalid-input.engine", {"name": repr(name), "allowed": ", ".join(ENGINES)})
    )

"""The attribution spec: what to compute, independent of the engine that computes it.

A spec is an immutable value. Engines (``seedtrail.attribution.engines``) read it; they never
change it. Validation happens here so every engine sees the same, already-checked values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

from seedtrail import contracts
from seedtrail.contracts import BACK_KINDS, FRONT_KINDS
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

TOUCH_KINDS = FRONT_KINDS
ENGAGEMENT_KINDS = contracts.ENGAGEMENT_KINDS
CONVERSION_KINDS = BACK_KINDS
MODELS = (
    "last_click",
    "last_touch",
    "first_touch",
    "linear",
    "position_based",
    "time_decay",
    "markov",
    "shapley",
)
CHANNEL_DIMENSIONS = ("placement", "kind", "creator_tier", "campaign_id")

MIN_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(days=30)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

ModelName = Literal[
    "last_click",
    "last_touch",
    "first_touch",
    "linear",
    "position_based",
    "time_decay",
    "markov",
    "shapley",
]


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """Parse ``90m``, ``1h``, ``15d``, ``2w`` (also ``1.5d``) into a timedelta."""
    m = _DURATION.match(text)
    if not m:
        raise InvalidInput(
            Msg("problem.invalid-input.duration", {"what": what, "text": repr(text)})
        )
    return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])


def _check_window(name: str, value: timedelta) -> None:
    if not MIN_WINDOW <= value <= MAX_WINDOW:
        raise InvalidInput(
            Msg("problem.invalid-input.window_range", {"name": name, "value": str(value)})
        )


#: Touch kinds with a window of their own (the others: click, read, engagement, impression).
WINDOW_OF_KIND = {"search_view": "search", "live_view": "live"}


@dataclass(frozen=True)
class Windows:
    """Look-back windows per touch kind. A touch counts for a conversion at ``ts`` when
    ``ts - window <= touch.ts <= ts`` (both edges inclusive)."""

    click: timedelta = timedelta(days=15)
    read: timedelta = timedelta(days=15)
    engagement: timedelta = timedelta(days=15)
    impression: timedelta = timedelta(days=1)
    search: timedelta = timedelta(days=7)  # a brand card seen in search results (search_view)
    live: timedelta = timedelta(days=1)  # time in a live-stream room (live_view)

    #: The windows by name (report.json's ``windows_days``).
    NAMES = ("click", "read", "engagement", "impression", "search", "live")

    def __post_init__(self) -> None:
        for name in self.NAMES:
            _check_window(name, self.named(name))

    def named(self, name: str) -> timedelta:
        """The window called ``name`` (one of NAMES)."""
        window: timedelta = getattr(self, name)
        return window

    def for_kind(self, kind: str) -> timedelta:
        if kind in ENGAGEMENT_KINDS:
            return self.engagement
        if kind in ("click", "read", "impression"):
            return self.named(kind)
        if kind in WINDOW_OF_KIND:
            return self.named(WINDOW_OF_KIND[kind])
        raise InvalidInput(
            Msg(
                "problem.invalid-input.touch_kind",
                {"kind": repr(kind), "allowed": ", ".join(TOUCH_KINDS)},
            )
        )

    def micros_by_kind(self) -> dict[str, int]:
        return {k: int(self.for_kind(k).total_seconds() * 1_000_000) for k in TOUCH_KINDS}

    @property
    def longest(self) -> timedelta:
        return max(self.named(n) for n in self.NAMES)


@dataclass(frozen=True)
class ModelSpec:
    """A model name and its parameters (only the ones that model reads matter)."""

    name: ModelName = "last_touch"
    half_life: timedelta = timedelta(days=7)
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    markov_order: int = 1
    channel: str = "kind"

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.model",
                    {"model": repr(self.name), "allowed": ", ".join(MODELS)},
                )
            )
        if self.half_life <= timedelta(0):
            raise InvalidInput(
                Msg("problem.invalid-input.half_life", {"value": str(self.half_life)})
            )
        first, middle, last = self.position_weights
        if min(self.position_weights) < 0 or abs(first + middle + last - 1.0) > 1e-9:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.position_weights",
                    {"value": str(self.position_weights)},
                )
            )
        if self.markov_order not in (1, 2, 3):
            raise InvalidInput(
                Msg("problem.invalid-input.markov_order", {"value": self.markov_order})
            )
        if self.channel not in CHANNEL_DIMENSIONS:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.channel_dimension",
                    {"value": repr(self.channel), "allowed": ", ".join(CHANNEL_DIMENSIONS)},
                )
            )

    @property
    def data_driven(self) -> bool:
        return self.name in ("markov", "shapley")


@dataclass(frozen=True)
class Filters:
    """Row filters applied before attribution. ``None`` keeps everything."""

    touch_kinds: tuple[str, ...] | None = None
    conversion_kinds: tuple[str, ...] | None = None
    note_ids: tuple[str, ...] | None = None  # note ids as text (integers are turned to text)

    def __post_init__(self) -> None:
        if self.note_ids is not None:
            object.__setattr__(self, "note_ids", tuple(str(n) for n in self.note_ids))
        for kind in self.touch_kinds or ():
            if kind not in TOUCH_KINDS:
                raise InvalidInput(
                    Msg("problem.invalid-input.filter_touch_kind", {"kind": repr(kind)})
                )
        for kind in self.conversion_kinds or ():
            if kind not in CONVERSION_KINDS:
                raise InvalidInput(
                    Msg("problem.invalid-input.filter_conversion_kind", {"kind": repr(kind)})
                )


@dataclass(frozen=True)
class Calibration:
    """Factors per campaign id (as text) applied to the credit of that campaign's touches."""

    factors: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        for campaign, factor in self.factors:
            if not math.isfinite(factor) or factor < 0:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.calibration_factor",
                        {"campaign": repr(campaign), "factor": factor},
                    )
                )


@dataclass(frozen=True)
class AttributionSpec:
    """Everything that defines an attribution run, and nothing about how it runs."""

    model: ModelSpec = field(default_factory=ModelSpec)
    windows: Windows = field(default_factory=Windows)
    filters: Filters = field(default_factory=Filters)
    group_by: tuple[str, ...] = ("note_id",)
    calibration: Calibration | None = None  # lift calibration (:mod:`..calibration`)

    def __post_init__(self) -> None:
        allowed = ("note_id", "touch_kind")
        for col in self.group_by:
            if col not in allowed:
                raise InvalidInput(
                    Msg(
                        "problem.invalid-input.group_by",
                        {"column": repr(col), "allowed": ", ".join(allowed)},
                    )
                )
        if not self.group_by:
            raise InvalidInput(Msg("problem.invalid-input.group_by_empty"))

    def with_model(self, name: ModelName, **params: object) -> AttributionSpec:
        return replace(self, model=replace(self.model, name=name, **params))  # type: ignore[arg-type]

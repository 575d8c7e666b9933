"""The specification of a simulated world: sizes and behavioural rates, kept apart from the engine.

A :class:`WorldSpec` is plain data. Named scales (``demo``, ``small``, ``medium``, ``large``) are
presets; a custom scale is a TOML or JSON file whose keys override a base preset::

    base = "small"          # optional, default "small"
    viewers = 50000
    days = 21
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from seedtrail import holdout
from seedtrail.core.errors import ConfigError, InvalidInput
from seedtrail.messages import Msg

CATEGORIES: tuple[str, ...] = (
    "beauty",
    "skincare",
    "fashion",
    "home",
    "mother_baby",
    "outdoor",
    "food",
    "digital",
)


class Holdout(TypedDict):
    """Who is in the platform's holdout: ``seedtrail.holdout.in_holdout(key, share, salt)``."""

    share: float
    salt: str


#: A category whose links opened from a day on (``from``: an ISO date; a keyword, hence this
#: form), as :func:`seedtrail.sim.responses.open_from` records it.
Opening = TypedDict("Opening", {"effect": str, "category": str, "from": str})


class Manifest(TypedDict):
    """A world's ``manifest.json``: what ``seedtrail sim`` generated it from and how many rows
    each table has (no timings: byte-identical per seed)."""

    format_version: int
    seed: int
    spec: dict[str, object]  # the WorldSpec's fields
    partners: list[dict[str, object]]  # each PartnerSpec's fields
    holdout: Holdout
    rows: dict[str, int]
    policy: NotRequired[list[Opening]]


def read_manifest(world_dir: Path) -> Manifest:
    """The manifest of the world written to ``world_dir``."""
    manifest: Manifest = json.loads((world_dir / "manifest.json").read_text("utf-8"))
    return manifest


@dataclass(frozen=True)
class PartnerSpec:
    slug: str
    name: str
    kind: str  # marketplace | mini_program | own_shop
    sample_rate: float
    key_prefix: str
    customer_share: float  # viewers who are its customers, besides everyone who shopped there
    outsider_ratio: float  # customers who are not community users, per viewer customer


PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec("tmall", "天猫", "marketplace", 0.5, "tm", 0.55, 0.5),
    PartnerSpec("jd", "京东", "marketplace", 1.0, "jd", 0.45, 0.5),
    PartnerSpec("miniapp", "品牌小程序", "mini_program", 1.0, "wx", 0.12, 0.1),
    # the community's own shop (号店一体): every order sent back, every customer a community user
    PartnerSpec("ownshop", "社区自营店", "own_shop", 1.0, "os", 0.15, 0.0),
)


@dataclass(frozen=True)
class WorldSpec:
    """Every knob of a world. Rates are per event unless named otherwise."""

    name: str = "small"
    start: str = "2025-03-01"  # UTC midnight of day 0
    days: int = 14
    viewers: int = 8_000
    creators: int = 400
    brands: int = 24
    enterprises: int = 12
    notes_per_creator: float = 4.0
    notes_per_brand: float = 6.0
    buyers: int = 6  # 买手: accounts selling the own shop's products through links
    daily_active_share: float = 0.35
    impressions_per_active_viewer: float = 9.0
    chunk_impressions: int = 1_000_000
    read_rate: float = 0.18
    like_rate: float = 0.12  # per read
    collect_rate: float = 0.06
    comment_rate: float = 0.05
    share_rate: float = 0.02
    follow_rate: float = 0.015
    click_rate: float = 0.06  # per read of a note with a mounted link
    search_views_per_active_viewer: float = 0.15  # brand cards seen in search results, per day
    search_click_rate: float = 0.06  # per search view: a tap on the brand card's link
    live_sessions: int = 1  # live-stream sessions (直播) per brand, two hours each
    live_viewers_per_session: float = 40.0
    live_click_rate: float = 0.1  # per live view: a tap on the session's link while it is live
    caused_purchase_per_click: float = 0.09
    caused_purchase_per_read: float = 0.006
    abandoned_funnel_per_click: float = 0.25
    refund_rate: float = 0.08
    cancel_rate: float = 0.03
    baseline_purchases_per_viewer_day: float = 0.0012
    boost_multiplier: float = 4.0
    campaigns: int = 6
    holdout_share: float = holdout.DEFAULT_SHARE
    holdout_salt: str = holdout.DEFAULT_SALT  # keys the holdout hash (seedtrail.holdout)
    water_army_campaigns: int = 2
    water_army_accounts: int = 60
    camouflage_per_account: float = 3.0
    diversion_accounts: int = 30
    diversion_comments_per_account: float = 4.0
    unregistered_promo_share: float = 0.03
    medical_claim_share: float = 0.02
    late_share: float = 0.03
    duplicate_share: float = 0.015
    gap_hours: float = 6.0
    row_group_rows: int = 262_144

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(
                    Msg(
                        "problem.config-error.scale_negative",
                        {"scale": repr(self.name), "field": f.name, "value": value},
                    )
                )
        if self.days < 1:
            raise ConfigError(Msg("problem.config-error.scale_days", {"scale": repr(self.name)}))
        if self.viewers < 10 or self.creators < 5 or self.brands < 2:
            raise ConfigError(Msg("problem.config-error.scale_minimum", {"scale": repr(self.name)}))
        try:
            holdout.check(self.holdout_share, self.holdout_salt)
        except InvalidInput as exc:
            raise ConfigError(
                Msg(
                    "problem.config-error.scale_holdout",
                    {"scale": repr(self.name), "error": exc.msg or exc.detail},
                )
            ) from exc

    def with_days(self, days: int | None) -> WorldSpec:
        return self if days is None else dataclasses.replace(self, days=days)

    def expected_impressions(self) -> float:
        return (
            self.viewers
            * self.daily_active_share
            * self.impressions_per_active_viewer
            * (self.days)
        )


SCALES: dict[str, WorldSpec] = {
    "tiny": WorldSpec(
        name="tiny",
        days=10,
        viewers=1_500,
        creators=80,
        brands=8,
        enterprises=4,
        water_army_accounts=24,
        diversion_accounts=12,
        campaigns=3,
    ),
    "demo": WorldSpec(name="demo", days=21, viewers=30_000, creators=1_200, brands=40),
    "small": WorldSpec(),
    "medium": WorldSpec(
        name="medium",
        days=30,
        viewers=300_000,
        creators=8_000,
        brands=200,
        enterprises=80,
        campaigns=30,
        water_army_campaigns=4,
        water_army_accounts=300,
        diversion_accounts=200,
    ),
    # Tuned to reach >= 100M front-link events and >= 10M comments: the comment rate per read is
    # inflated (a comment-heavy stress world for integrity work), documented in docs/sim.md.
    "large": WorldSpec(
        name="large",
        days=30,
        viewers=1_000_000,
        creators=40_000,
        brands=800,
        enterprises=300,
        daily_active_share=0.4,
        impressions_per_active_viewer=9.0,
        read_rate=0.2,
        comment_rate=0.5,
        campaigns=80,
        water_army_campaigns=8,
        water_army_accounts=400,
        diversion_accounts=800,
        baseline_purchases_per_viewer_day=0.0006,
        row_group_rows=1_048_576,
    ),
}


def load_spec(scale: str) -> WorldSpec:
    """A named scale, or a TOML/JSON file of overrides on a base scale."""
    if scale in SCALES:
        return SCALES[scale]
    path = Path(scale)
    if path.suffix.lower() not in {".toml", ".json"}:
        raise ConfigError(
            Msg(
                "problem.config-error.scale_unknown",
                {"scale": repr(scale), "allowed": ", ".join(SCALES)},
            )
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            Msg("problem.config-error.scale_unreadable", {"path": str(path), "error": exc.strerror})
        ) from exc
    try:
        data: Any = (
            tomllib.loads(raw.decode("utf-8"))
            if path.suffix.lower() == ".toml"
            else json.loads(raw.decode("utf-8"))
        )
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            Msg(
                "problem.config-error.scale_syntax",
                {"path": str(path), "format": path.suffix[1:], "error": str(exc)},
            )
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(Msg("problem.config-error.scale_top", {"path": str(path)}))
    return spec_from_mapping(data, source=str(path))


def spec_from_mapping(data: dict[str, object], *, source: str = "<mapping>") -> WorldSpec:
    base_name = data.get("base", "small")
    if base_name not in SCALES:
        raise ConfigError(
            Msg("problem.config-error.scale_base", {"path": source, "base": repr(base_name)})
        )
    base = SCALES[base_name]
    known = {f.name: f for f in fields(WorldSpec)}
    overrides: dict[str, Any] = {"name": data.get("name", Path(source).stem)}
    for key, value in data.items():
        if key in {"base", "name"}:
            continue
        if key not in known:
            raise ConfigError(
                Msg("problem.config-error.scale_field", {"path": source, "field": repr(key)})
            )
        default = getattr(base, key)
        if isinstance(default, bool) or not isinstance(value, type(default) | int):
            raise ConfigError(
                Msg(
                    "problem.config-error.scale_field_type",
                    {
                        "path": source,
                        "field": key,
                        "type": type(default).__name__,
                        "value": repr(value),
                    },
                )
            )
        overrides[key] = type(default)(value)
    return dataclasses.replace(base, **overrides)

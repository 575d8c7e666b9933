"""Input files of an attribution run and their column contract.

Each role (touches, conversions, identity) has required and optional columns; some columns
accept an alternative name (the demo world's ``event_id`` / ``shop_user_key``). Engines list a
file's columns and call :func:`resolve_columns`, which names the file and the column on error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from seedtrail.core.errors import AttributionInputError
from seedtrail.messages import N_, Msg, term

Role = Literal["touches", "conversions", "identity"]
ROLE_TERMS = (
    N_("attribution.role.touches"),
    N_("attribution.role.conversions"),
    N_("attribution.role.identity"),
)


def role_term(role: str) -> Msg:
    """A role's name as a message parameter (``touches`` → 触达 in Chinese)."""
    return term("attribution.role", role)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # portable type name used when the column is absent (NULL of that type)
    required: bool = True
    aliases: tuple[str, ...] = ()


CONTRACT: dict[Role, tuple[Column, ...]] = {
    "touches": (
        Column("touch_id", "STRING", aliases=("event_id",)),
        Column("user_key", "STRING"),
        Column("note_id", "STRING"),  # external ids are text; integers are read as text
        Column("kind", "STRING"),
        Column("ts", "TIMESTAMP"),
        Column("click_id", "STRING", required=False),
        Column("placement", "STRING", required=False),
        Column("campaign_id", "BIGINT", required=False),
        Column("creator_tier", "STRING", required=False),
    ),
    "conversions": (
        Column("conversion_id", "STRING", aliases=("event_id",)),
        Column("user_key", "STRING", aliases=("shop_user_key",)),
        Column("kind", "STRING"),
        Column("ts", "TIMESTAMP"),
        Column("value", "DOUBLE", required=False),
        Column("click_id", "STRING", required=False),
        Column("order_id", "STRING", required=False),
        Column("refund_of", "STRING", required=False),
        Column("sample_rate", "DOUBLE", required=False),
        Column("partner", "STRING", required=False),
    ),
    "identity": (
        Column("community_key", "STRING"),
        Column("shop_key", "STRING"),
        Column("partner", "STRING", required=False),
    ),
}


Files = tuple[Path, ...]


@dataclass(frozen=True)
class Inputs:
    """Where the data of one run lives: a file, a directory of Parquet files, or a tuple of
    files (read as one relation, columns matched by name) per role. ``identity`` is optional:
    without it a conversion's ``user_key`` is taken to be the community key itself."""

    touches: Path | Files
    conversions: Path | Files
    identity: Path | Files | None = None

    def files(self) -> dict[Role, Files]:
        found: dict[Role, Path | Files] = {"touches": self.touches, "conversions": self.conversions}
        if self.identity is not None:
            found["identity"] = self.identity
        out: dict[Role, Files] = {}
        for role, given in found.items():
            paths = (given,) if isinstance(given, Path) else tuple(given)
            if not paths:
                raise AttributionInputError(
                    Msg("problem.attribution-input.no_files", {"role": role_term(role)})
                )
            formats = {file_format(p) for p in paths}
            if len(formats) > 1:
                raise AttributionInputError(
                    Msg("problem.attribution-input.mixed", {"role": role_term(role)})
                )
            for path in paths:
                if not path.exists():
                    raise AttributionInputError(
                        Msg(
                            "problem.attribution-input.file_missing",
                            {"role": role_term(role), "path": str(path)},
                        )
                    )
            out[role] = paths
        return out


def describe(paths: Files) -> str | Msg:
    """How messages name a role's files (a message parameter)."""
    if len(paths) == 1:
        return str(paths[0])
    return Msg("attribution.files_more", {"first": str(paths[0]), "n": len(paths) - 1})


def from_world(world: Path) -> Inputs:
    """The inputs of a demo world written by ``seedtrail sim`` (docs/sim.md)."""
    touches = world / "events" / "front.parquet"
    conversions = world / "conversions"
    identity = world / "truth" / "identity_map.parquet"
    for path in (touches, conversions, identity):
        if not path.exists():
            raise AttributionInputError(
                Msg(
                    "problem.attribution-input.not_a_world",
                    {"world": str(world), "path": str(path)},
                )
            )
    return Inputs(touches, conversions, identity)


def lake_root(root: Path) -> Path:
    """The lake directory: ``root`` itself, or the ``lake/`` of a data directory."""
    if not root.is_dir():
        raise AttributionInputError(
            Msg("problem.attribution-input.lake_missing", {"path": str(root)})
        )
    return root / "lake" if (root / "lake").is_dir() else root


def lake_files(root: Path, kinds: tuple[str, ...]) -> Files:
    """The sealed Parquet files of event types ``kinds`` under a lake root, as the lake lists
    them (:meth:`seedtrail.lake.layout.Lake.file_paths`: no temporary or hidden files)."""
    from seedtrail.lake.layout import Lake

    return tuple(sorted(Path(p) for p in Lake(str(root)).file_paths(kinds)))


def lake_conversions(root: Path) -> Files:
    """Every back-link (conversion) file of the lake at ``root``; an error if there is none."""
    from seedtrail.attribution.spec import CONVERSION_KINDS

    root = lake_root(root)
    conversions = lake_files(root, CONVERSION_KINDS)
    if not conversions:
        raise AttributionInputError(
            Msg("problem.attribution-input.lake_no_conversions", {"path": str(root)})
        )
    return conversions


def from_lake(root: Path, identity: Path | None = None) -> Inputs:
    """Touches and conversions from the event lake (docs/intake.md): every Parquet file under
    ``<root>/<type>/day=.../`` of a front-link type (touches) or a back-link type
    (conversions). ``root`` may also be a data directory holding ``lake/``."""
    from seedtrail.attribution.spec import TOUCH_KINDS

    root = lake_root(root)
    touches = lake_files(root, TOUCH_KINDS)
    if not touches:
        raise AttributionInputError(
            Msg("problem.attribution-input.lake_no_touches", {"path": str(root)})
        )
    return Inputs(touches, lake_conversions(root), identity)


def file_format(path: Path) -> Literal["parquet", "csv"]:
    """Parquet or CSV, by extension (a directory is read as Parquet files)."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq") or path.is_dir():
        return "parquet"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise AttributionInputError(
        Msg(
            "problem.attribution-input.file_type",
            {"path": str(path), "suffix": suffix or Msg("attribution.no_suffix")},
        )
    )


def resolve_columns(
    role: Role, path: Path | str | Msg, available: list[str]
) -> dict[str, str | None]:
    """Map each contract column to the file's column name (``None`` when optional and absent)."""
    present = {c.lower(): c for c in available}
    mapping: dict[str, str | None] = {}
    for col in CONTRACT[role]:
        found = next((present[n] for n in (col.name, *col.aliases) if n in present), None)
        if found is None and col.required:
            key = (
                N_("problem.attribution-input.no_column_or")
                if col.aliases
                else N_("problem.attribution-input.no_column")
            )
            raise AttributionInputError(
                Msg(
                    key,
                    {
                        "role": role_term(role),
                        "path": path if isinstance(path, Msg) else str(path),
                        "column": repr(col.name),
                        "aliases": ", ".join(col.aliases),
                        "available": ", ".join(available) or Msg("attribution.no_columns"),
                    },
                )
            )
        mapping[col.name] = found
    return mapping

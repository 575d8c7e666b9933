"""People joined only through the clean room: one community × shop matching run on disk, and
the identity relation attribution joins on.

A run is the same library calls the ``seedtrail cleanroom`` steps make (new-run, blind a, blind
b, re-blind both, join), with each party's files kept apart (docs/cleanroom.md)::

    <root>/<partner>/community/  run.json a.key.json a.handles.parquet a.tokens.parquet  party a
    <root>/<partner>/shop/       run.json b.key.json b.handles.parquet b.tokens.parquet  party b
    <root>/<partner>/joiner/     a.double.parquet b.double.parquet matches.parquet report.json

The community's handles map its handles to its own user keys, the shop's to its own customer
keys, and the joiner's match table pairs handles; no file holds both parties' raw keys.
:func:`register_identity` gives attribution the community's user key per matched *shop handle*:
the shop re-keys its conversions to handles with its own handle map before they meet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.join import check_pair, join_tokens
from seedtrail.cleanroom.matching import (
    BlindResult,
    blind_file_columns,
    blind_ids,
    reblind_tokens,
)
from seedtrail.cleanroom.runfiles import PartyKey, RunSecret, read_tokens, write_tokens
from seedtrail.cleanroom.sources import read_table, text_column
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

# Opens a progress display for one step: (label, total units) -> advance(units)
Stage = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
PARTNER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@contextmanager
def _quiet(label: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


@dataclass(frozen=True)
class PartyFiles:
    """One party's files of a run, in its own directory."""

    directory: Path
    party: str  # a (the community) or b (the shop)

    @property
    def run(self) -> Path:
        return self.directory / "run.json"

    @property
    def key(self) -> Path:
        return self.directory / f"{self.party}.key.json"

    @property
    def handles(self) -> Path:
        return self.directory / f"{self.party}.handles.parquet"

    @property
    def tokens(self) -> Path:
        return self.directory / f"{self.party}.tokens.parquet"


@dataclass(frozen=True)
class RunLayout:
    """Where a community × partner run keeps its files under a clean-room root."""

    root: Path
    partner: str

    def __post_init__(self) -> None:
        if not PARTNER.match(self.partner):
            raise InvalidInput(
                Msg("problem.invalid-input.partner_slug", {"partner": repr(self.partner)})
            )

    @property
    def folder(self) -> Path:
        return self.root / self.partner

    @property
    def community(self) -> PartyFiles:
        return PartyFiles(self.folder / "community", "a")

    @property
    def shop(self) -> PartyFiles:
        return PartyFiles(self.folder / "shop", "b")

    @property
    def joiner(self) -> Path:
        return self.folder / "joiner"

    def double(self, party: str) -> Path:
        return self.joiner / f"{party}.double.parquet"

    @property
    def matches(self) -> Path:
        return self.joiner / "matches.parquet"

    @property
    def report(self) -> Path:
        return self.joiner / "report.json"

    def files(self) -> list[Path]:
        c, s = self.community, self.shop
        return [
            *(p for side in (c, s) for p in (side.run, side.key, side.handles, side.tokens)),
            self.double("a"),
            self.double("b"),
            self.matches,
            self.report,
        ]


@dataclass(frozen=True)
class IdColumns:
    """The columns of one party's input: its own user key and the ids it matches on."""

    key: str
    phone: str | None = "phone"
    device: str | None = "device_id"
    account: str | None = None

    def by_type(self) -> dict[IdType, str]:
        named = ((IdType.PHONE, self.phone), (IdType.DEVICE, self.device))
        return {t: c for t, c in (*named, (IdType.ACCOUNT, self.account)) if c}


def blind_file(
    run: RunSecret,
    party: str,
    input_path: Path,
    id_columns: dict[IdType, str],
    key_column: str | None,
    *,
    key_out: Path,
    tokens_out: Path,
    handles_out: Path,
    region: str = "CN",
    processes: int = 2,
    stage: Stage = _quiet,
) -> BlindResult:
    """Blind one party's input file with a fresh key; write its key, tokens and handle map."""
    key = PartyKey.new(run.run_id, party)
    table = read_table(input_path, [*id_columns.values(), *([key_column] if key_column else [])])
    columns = blind_file_columns(table, id_columns, input_path)
    keys = text_column(table, key_column, input_path) if key_column else None
    with stage(f"blinding {table.num_rows:,} rows", table.num_rows * len(columns)) as step:
        result = blind_ids(
            columns, run, key, row_keys=keys, region=region, processes=processes, progress=step
        )
    key.save(key_out)
    write_tokens(tokens_out, result.tokens, result.meta)
    handles_out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.handles, handles_out)
    return result


def reblind_file(
    key_file: Path, tokens_in: Path, out: Path, *, processes: int = 2, stage: Stage = _quiet
) -> int:
    """Re-blind the other party's tokens with this party's key; returns the token count."""
    key = PartyKey.load(key_file)
    tokens, meta = read_tokens(tokens_in, stage="blinded")
    with stage(f"re-blinding {tokens.num_rows:,} tokens", tokens.num_rows) as step:
        double, new_meta = reblind_tokens(tokens, meta, key, processes=processes, progress=step)
    write_tokens(out, double, new_meta)
    return int(tokens.num_rows)


def join_files(
    a_path: Path,
    b_path: Path,
    out: Path,
    report_path: Path,
    *,
    threshold: int,
    noise_epsilon: float | None = None,
) -> dict[str, Any]:
    """The joiner's step: intersect the double-blinded files; write matches and the report."""
    a, a_meta = read_tokens(a_path, stage="double")
    b, b_meta = read_tokens(b_path, stage="double")
    check_pair(a_meta, b_meta)
    result = join_tokens(a, b, threshold=threshold, noise_epsilon=noise_epsilon)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.matches, out)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(result.report, indent=2))
    return result.report


def match(
    community: Path,
    shop: Path,
    partner: str,
    root: Path,
    *,
    community_ids: IdColumns,
    shop_ids: IdColumns,
    threshold: int,
    region: str = "CN",
    processes: int = 2,
    replace: bool = False,
    stage: Stage = _quiet,
) -> dict[str, Any]:
    """Run both parties' sides and the join for one partner; returns the joiner's report.

    Refuses a partner folder that already holds a run unless ``replace`` (which removes only
    the files a run writes)."""
    layout = RunLayout(root, partner)
    existing = [p for p in layout.files() if p.exists()]
    if existing and not replace:
        raise InvalidInput(Msg("problem.invalid-input.run_exists", {"folder": str(layout.folder)}))
    for path in existing:
        path.unlink()
    a, b = layout.community, layout.shop
    run = RunSecret.new()
    run.save(a.run)  # party a creates the run and shares it with party b only
    run.save(b.run)
    for side, path, ids in ((a, community, community_ids), (b, shop, shop_ids)):
        blind_file(
            run,
            side.party,
            path,
            ids.by_type(),
            ids.key,
            key_out=side.key,
            tokens_out=side.tokens,
            handles_out=side.handles,
            region=region,
            processes=processes,
            stage=stage,
        )
    reblind_file(b.key, a.tokens, layout.double("a"), processes=processes, stage=stage)  # by b
    reblind_file(a.key, b.tokens, layout.double("b"), processes=processes, stage=stage)  # by a
    return join_files(
        layout.double("a"), layout.double("b"), layout.matches, layout.report, threshold=threshold
    )


def partners(root: Path) -> list[str]:
    """Partners under ``root`` with a finished run (a joiner's report)."""
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if PARTNER.match(p.name) and RunLayout(root, p.name).report.exists()
    )


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _require_keys(path: Path) -> None:
    if not path.exists():
        raise InvalidInput(Msg("problem.invalid-input.handles_missing", {"path": str(path)}))
    if "key" not in pq.read_schema(path).names:
        raise InvalidInput(Msg("problem.invalid-input.handles_key", {"path": str(path)}))


def register_identity(con: duckdb.DuckDBPyConnection, root: Path) -> list[str]:
    """Create the views attribution joins people through; returns the partners registered.

    * ``cr_identity(community_key, shop_key, partner)``: per matched person, the community's own
      user key (through its handle map) and the shop's *handle* as text, never its raw key;
    * ``cr_shop_handles(partner, shop_user_key, shop_handle)``: each shop's own handle map, for
      re-keying that shop's conversions to handles (the shop's side of the compute step).

    No view pairs the two parties' raw keys. A partner whose match count was under the threshold
    has an empty match table, so no identity rows."""
    names = partners(root)
    identity, handles = [], []
    for name in names:
        layout = RunLayout(root, name)
        a_handles, b_handles = layout.community.handles, layout.shop.handles
        _require_keys(a_handles)
        _require_keys(b_handles)
        # the name matched PARTNER and the paths are quoted: nothing user-typed is spliced raw
        identity.append(
            "SELECT CAST(h.key AS VARCHAR) AS community_key, "  # noqa: S608
            f"CAST(m.b_handle AS VARCHAR) AS shop_key, '{name}' AS partner "
            f"FROM read_parquet({_sql_path(layout.matches)}) m "
            f"JOIN read_parquet({_sql_path(a_handles)}) h ON h.handle = m.a_handle"
        )
        handles.append(
            f"SELECT '{name}' AS partner, CAST(key AS VARCHAR) AS shop_user_key, "  # noqa: S608
            f"CAST(handle AS VARCHAR) AS shop_handle FROM read_parquet({_sql_path(b_handles)})"
        )
    empty_identity = (
        "SELECT NULL::VARCHAR AS community_key, NULL::VARCHAR AS shop_key, "
        "NULL::VARCHAR AS partner WHERE false"
    )
    empty_handles = (
        "SELECT NULL::VARCHAR AS partner, NULL::VARCHAR AS shop_user_key, "
        "NULL::VARCHAR AS shop_handle WHERE false"
    )
    con.execute(
        "CREATE OR REPLACE VIEW cr_identity AS " + (" UNION ALL ".join(identity) or empty_identity)
    )
    con.execute(
        "CREATE OR REPLACE VIEW cr_shop_handles AS "
        + (" UNION ALL ".join(handles) or empty_handles)
    )
    return names


@dataclass(frozen=True)
class MatchStats:
    """A partner's match figures, as the joiner's report gives them (``None`` when fewer people
    matched than the threshold). ``match_rate`` is matched people / the shop's customer rows;
    ``community_match_rate`` matched people / the community's user rows."""

    partner: str
    community_rows: int
    shop_rows: int
    matched_people: int | None
    match_rate: float | None
    community_match_rate: float | None
    threshold: int


def match_stats(root: Path) -> dict[str, MatchStats]:
    """Per partner with a finished run under ``root``: its match figures."""
    out = {}
    for name in partners(root):
        path = RunLayout(root, name).report
        try:
            report = json.loads(path.read_text())
            out[name] = MatchStats(
                partner=name,
                community_rows=int(report["a_rows"]),
                shop_rows=int(report["b_rows"]),
                matched_people=report["matched_people"],
                match_rate=report["b_match_rate"],
                community_match_rate=report["a_match_rate"],
                threshold=int(report["threshold"]),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                Msg("problem.invalid-input.match_report", {"path": str(path), "error": str(exc)})
            ) from exc
    return out

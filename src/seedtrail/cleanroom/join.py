"""The neutral join: intersect double-blinded tokens, per id type in priority order.

Input: party a's tokens re-blinded by b, party b's tokens re-blinded by a. Output: a match table
of row handles (``a_handle``, ``b_handle``, ``id_type``) for the clean room's compute step, and a
match-rate report for both parties. Each person is matched at its highest-priority id type; a
token that occurs on more than one row of a side is ambiguous and never matches. When fewer people
match than the threshold, the match table is empty and the report hides every matched count;
per-type counts under the threshold are hidden with complementary suppression.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.runfiles import TokenMeta
from seedtrail.cleanroom.suppression import suppressed_keys
from seedtrail.core.errors import InvalidInput
from seedtrail.core.extras import require
from seedtrail.messages import Msg

MATCH_SCHEMA = pa.schema(
    [("a_handle", pa.int64()), ("b_handle", pa.int64()), ("id_type", pa.string())]
)


@dataclass
class JoinResult:
    matches: pa.Table
    report: dict[str, object]


def check_pair(a_meta: TokenMeta, b_meta: TokenMeta) -> None:
    if a_meta.run_id != b_meta.run_id:
        raise InvalidInput(
            Msg("problem.invalid-input.token_runs", {"a": a_meta.run_id, "b": b_meta.run_id})
        )
    if (a_meta.owner, b_meta.owner) != ("a", "b"):
        raise InvalidInput(
            Msg("problem.invalid-input.token_parties", {"a": a_meta.owner, "b": b_meta.owner})
        )


def join_tokens(
    a: pa.Table, b: pa.Table, *, threshold: int, noise_epsilon: float | None = None
) -> JoinResult:
    """Intersect two double-blinded token tables (see module doc).

    With ``noise_epsilon``, the matched counts in the report get Laplace noise (OpenDP, scale
    2/epsilon: one person can move a match from one type to another) before the threshold is
    applied, so padding a probe with known members no longer gives an exact answer."""
    if threshold < 1:
        raise InvalidInput(Msg("problem.invalid-input.threshold", {"value": threshold}))
    con = duckdb.connect()
    con.register("a_in", a)
    con.register("b_in", b)
    for side in ("a", "b"):
        con.execute(
            f"CREATE TEMP TABLE {side} AS SELECT handle, id_type, token FROM {side}_in "  # noqa: S608
            "QUALIFY count(*) OVER (PARTITION BY id_type, token) = 1"
        )
    con.execute("CREATE TEMP TABLE m (a_handle BIGINT, b_handle BIGINT, id_type VARCHAR)")
    for id_type in IdType:
        con.execute(
            """
            INSERT INTO m
            SELECT a.handle, b.handle, a.id_type FROM a JOIN b USING (id_type, token)
            WHERE a.id_type = ?
              AND a.handle NOT IN (SELECT a_handle FROM m)
              AND b.handle NOT IN (SELECT b_handle FROM m)
            """,
            [id_type.value],
        )
    matches = con.sql("SELECT * FROM m ORDER BY a_handle").to_arrow_table().cast(MATCH_SCHEMA)
    per_type = dict(con.execute("SELECT id_type, count(*) FROM m GROUP BY id_type").fetchall())
    ids = {
        side: dict(con.execute(f"SELECT id_type, count(*) FROM {side}_in GROUP BY 1").fetchall())  # noqa: S608
        for side in ("a", "b")
    }
    rows = {
        side: con.execute(f"SELECT count(DISTINCT handle) FROM {side}_in").fetchone()[0]  # type: ignore[index]  # noqa: S608
        for side in ("a", "b")
    }
    con.close()
    total = len(matches)
    if noise_epsilon is not None:
        both = [t for t in IdType if ids["a"].get(t.value) and ids["b"].get(t.value)]
        per_type = _noisy_counts(per_type, both, noise_epsilon)
        total = sum(per_type.values())
    report = match_report(per_type, ids, rows, total, threshold)
    report["noise_epsilon"] = noise_epsilon
    if report["matched_people"] is None:
        matches = MATCH_SCHEMA.empty_table()
    return JoinResult(matches, report)


def match_report(
    per_type: dict[str, int],
    ids: dict[str, dict[str, int]],
    rows: dict[str, int],
    total: int,
    threshold: int,
) -> dict[str, object]:
    """The report both parties receive; matched counts under ``threshold`` are ``None``."""
    revealed = total >= threshold
    # A type one side did not supply cannot match: its zero is public (a_ids or b_ids is 0).
    sizes = {
        t.value: per_type.get(t.value, 0)
        for t in IdType
        if ids["a"].get(t.value, 0) and ids["b"].get(t.value, 0)
    }
    hidden = suppressed_keys(sizes, threshold) if revealed else set(sizes)
    types = []
    for t in IdType:
        matched = None if t.value in hidden or not revealed else sizes.get(t.value, 0)
        types.append(
            {
                "id_type": t.value,
                "a_ids": ids["a"].get(t.value, 0),
                "b_ids": ids["b"].get(t.value, 0),
                "matched_people": matched,
                "a_match_rate": _rate(matched, rows["a"]),
                "b_match_rate": _rate(matched, rows["b"]),
            }
        )
    return {
        "threshold": threshold,
        "a_rows": rows["a"],
        "b_rows": rows["b"],
        "matched_people": total if revealed else None,
        "a_match_rate": _rate(total if revealed else None, rows["a"]),
        "b_match_rate": _rate(total if revealed else None, rows["b"]),
        "by_id_type": types,
    }


def _rate(matched: int | None, rows: int) -> float | None:
    if matched is None or rows == 0:
        return None
    return round(matched / rows, 4)


def _noisy_counts(per_type: dict[str, int], types: list[IdType], epsilon: float) -> dict[str, int]:
    if not 0 < epsilon <= 10:
        raise InvalidInput(Msg("problem.invalid-input.noise_epsilon", {"value": epsilon}))
    dp = require("opendp.prelude", "dp")
    dp.enable_features("contrib")
    laplace = dp.m.make_laplace(
        dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=2.0 / epsilon
    )
    return {t.value: max(0, int(laplace(per_type.get(t.value, 0)))) for t in types}

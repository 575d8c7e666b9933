"""Each party's side of a matching run: blind its own ids, re-blind the other party's tokens.

``blind`` keys every normalized id with the shared run secret (HMAC-SHA256, so a phone number is
never hashed plainly), maps it onto the prime-order subgroup (Elligator 2) and multiplies by the
party's fresh scalar. Rows get opaque handles: a random permutation of the row numbers, fresh per
run, and the token table is sorted by handle so its order says nothing about the input order.
The handle → row map stays with the party.

``reblind`` multiplies the other party's tokens by this party's scalar (double blinding). Since
scalar multiplication commutes, ``a·b·H(x) == b·a·H(x)``, and only the neutral ``join`` sees both
double-blinded sets.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from seedtrail.cleanroom.group import (
    POINT_BYTES,
    blind,
    blind_blob,
    hash_to_point,
    keyed_hasher,
)
from seedtrail.cleanroom.identifiers import IdType, normalizer
from seedtrail.cleanroom.runfiles import (
    PartyKey,
    RunSecret,
    TokenMeta,
    blob_array,
    tokens_blob,
)
from seedtrail.cleanroom.workers import Progress, run_chunks
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

CHUNK = 8192


@dataclass
class BlindResult:
    tokens: pa.Table  # handle, id_type, token  (sent to the other party)
    handles: pa.Table  # handle, row[, key]     (kept by this party)
    meta: TokenMeta
    kept: dict[str, int] = field(default_factory=dict)  # ids blinded per type
    dropped: dict[str, int] = field(default_factory=dict)  # ids that did not normalize


def _blind_chunk(args: tuple[str, str, bytes, bytes, list[str | None]]) -> tuple[bytes, list[int]]:
    type_value, region, secret, scalar, values = args
    id_type = IdType(type_value)
    norm = normalizer(id_type, region)
    keyed = keyed_hasher(secret, id_type.tag)
    out = bytearray()
    kept: list[int] = []
    for i, raw in enumerate(values):
        value = norm(raw) if raw is not None else None
        if value is None:
            continue
        out += blind(hash_to_point(keyed(value)), scalar)
        kept.append(i)
    return bytes(out), kept


def _reblind_chunk(args: tuple[bytes, bytes]) -> bytes:
    return blind_blob(*args)


def blind_ids(
    columns: Mapping[IdType, Sequence[str | None]],
    run: RunSecret,
    key: PartyKey,
    *,
    row_keys: Sequence[object] | None = None,
    region: str = "CN",
    processes: int = 2,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> BlindResult:
    """Blind each id column (one value per person row, None when absent)."""
    if key.run_id != run.run_id:
        raise InvalidInput(
            Msg("problem.invalid-input.key_run", {"key_run": key.run_id, "run": run.run_id})
        )
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise InvalidInput(Msg("problem.invalid-input.id_lengths"))
    n = lengths.pop()
    rng = np.random.default_rng(secrets.randbits(128))
    handles = rng.permutation(n).astype(np.int64)

    parts: list[pa.Table] = []
    result_kept: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for id_type in sorted(columns, key=lambda t: t.priority):
        values = list(columns[id_type])
        starts = range(0, n, chunk)
        chunks = [
            (id_type.value, region, run.secret, key.scalar, values[s : s + chunk]) for s in starts
        ]
        sizes = [len(c[4]) for c in chunks]
        results = run_chunks(_blind_chunk, chunks, sizes, processes=processes, progress=progress)
        rows = np.concatenate(
            [
                np.asarray(kept, dtype=np.int64) + s
                for s, (_, kept) in zip(starts, results, strict=True)
            ]
            or [np.empty(0, dtype=np.int64)]
        )
        blob = b"".join(tokens for tokens, _ in results)
        present = sum(v is not None for v in values)
        result_kept[id_type.value] = len(rows)
        dropped[id_type.value] = present - len(rows)
        parts.append(
            pa.table(
                {
                    "handle": pa.array(handles[rows], pa.int64()),
                    "id_type": pa.array([id_type.value] * len(rows), pa.string()),
                    "token": blob_array(blob),
                }
            )
        )
    tokens = pa.concat_tables(parts).sort_by([("handle", "ascending"), ("id_type", "ascending")])
    private = {"handle": pa.array(handles, pa.int64()), "row": pa.array(np.arange(n), pa.int64())}
    if row_keys is not None:
        private["key"] = pa.array([str(k) for k in row_keys], pa.string())
    meta = TokenMeta(run_id=run.run_id, owner=key.party, stage="blinded")
    return BlindResult(tokens, pa.table(private), meta, result_kept, dropped)


def reblind_tokens(
    tokens: pa.Table,
    meta: TokenMeta,
    key: PartyKey,
    *,
    processes: int = 2,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> tuple[pa.Table, TokenMeta]:
    """Multiply the other party's blinded tokens by this party's scalar."""
    if meta.run_id != key.run_id:
        raise InvalidInput(
            Msg("problem.invalid-input.tokens_run", {"tokens": meta.run_id, "key_run": key.run_id})
        )
    if meta.owner == key.party:
        raise InvalidInput(Msg("problem.invalid-input.own_tokens", {"party": key.party}))
    column = tokens.column("token")
    if column.null_count:
        raise InvalidInput(Msg("problem.invalid-input.token_nulls"))
    blob = tokens_blob(column)
    step = chunk * POINT_BYTES
    chunks = [(blob[i : i + step], key.scalar) for i in range(0, len(blob), step)]
    sizes = [len(c[0]) // POINT_BYTES for c in chunks]
    results = run_chunks(_reblind_chunk, chunks, sizes, processes=processes, progress=progress)
    double = tokens.set_column(
        tokens.schema.get_field_index("token"), "token", blob_array(b"".join(results))
    )
    return double, TokenMeta(run_id=meta.run_id, owner=meta.owner, stage="double")


def blind_file_columns(
    table: pa.Table, id_columns: dict[IdType, str], path: Path
) -> dict[IdType, list[str | None]]:
    from seedtrail.cleanroom.sources import text_column

    if not id_columns:
        raise InvalidInput(Msg("problem.invalid-input.id_columns"))
    return {t: text_column(table, name, path) for t, name in id_columns.items()}

"""The files of a matching run: the shared run secret, each party's key, the token tables.

* run secret (JSON, mode 0600): ``run_id`` and the HMAC secret both parties key their ids with.
  Shared by the two parties only, never by the neutral joiner.
* party key (JSON, mode 0600): ``run_id``, ``party`` and the party's blinding scalar. Never leaves
  the party.
* token table (Parquet): ``handle`` (int64, an opaque per-run row index), ``id_type`` (str),
  ``token`` (32 bytes). Schema metadata ``seedtrail.cleanroom`` records the run, the party that
  owns the rows and the blinding stage, so files from different runs or stages cannot be mixed.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from seedtrail.cleanroom.group import POINT_BYTES, new_scalar
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import N_, Msg

META_KEY = b"seedtrail.cleanroom"
TOKEN_TYPE = pa.binary(POINT_BYTES)
PARTIES = ("a", "b")


def _write_private(path: Path, payload: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh)


def _read_json(path: Path, kind: str, fields: tuple[str, ...]) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.cr_file_missing", {"kind": Msg(kind), "path": str(path)})
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.cr_file_json", {"kind": Msg(kind), "path": str(path)})
        ) from exc
    missing = [f for f in fields if f not in data]
    if not isinstance(data, dict) or missing:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.cr_file_fields",
                {"kind": Msg(kind), "path": str(path), "fields": ", ".join(missing)},
            )
        )
    return data


@dataclass(frozen=True)
class RunSecret:
    run_id: str
    secret: bytes

    @classmethod
    def new(cls) -> RunSecret:
        return cls(run_id=secrets.token_hex(8), secret=secrets.token_bytes(32))

    def save(self, path: Path) -> None:
        _write_private(path, {"run_id": self.run_id, "secret": self.secret.hex()})

    @classmethod
    def load(cls, path: Path) -> RunSecret:
        data = _read_json(path, N_("cleanroom_file.run_secret"), ("run_id", "secret"))
        return cls(run_id=str(data["run_id"]), secret=bytes.fromhex(data["secret"]))


@dataclass(frozen=True)
class PartyKey:
    run_id: str
    party: str
    scalar: bytes

    @classmethod
    def new(cls, run_id: str, party: str) -> PartyKey:
        check_party(party)
        return cls(run_id=run_id, party=party, scalar=new_scalar())

    def save(self, path: Path) -> None:
        _write_private(
            path, {"run_id": self.run_id, "party": self.party, "scalar": self.scalar.hex()}
        )

    @classmethod
    def load(cls, path: Path) -> PartyKey:
        data = _read_json(path, N_("cleanroom_file.party_key"), ("run_id", "party", "scalar"))
        return cls(str(data["run_id"]), str(data["party"]), bytes.fromhex(data["scalar"]))


def check_party(party: str) -> None:
    if party not in PARTIES:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.party",
                {"allowed": ", ".join(PARTIES), "value": repr(party)},
            )
        )


@dataclass(frozen=True)
class TokenMeta:
    run_id: str
    owner: str  # the party whose rows these are
    stage: str  # "blinded" (owner's key) or "double" (both keys)

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()


def write_tokens(path: Path, table: pa.Table, meta: TokenMeta) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata({META_KEY: meta.encode()}), path)


def read_tokens(path: Path, *, stage: str) -> tuple[pa.Table, TokenMeta]:
    try:
        table = pq.read_table(path)
    except FileNotFoundError as exc:
        raise InvalidInput(Msg("problem.invalid-input.token_missing", {"path": str(path)})) from exc
    except pa.ArrowInvalid as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.token_parquet", {"path": str(path), "error": str(exc)})
        ) from exc
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise InvalidInput(Msg("problem.invalid-input.token_meta", {"path": str(path)}))
    meta = TokenMeta(**json.loads(raw))
    if meta.stage != stage:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.token_stage",
                {"path": str(path), "stage": repr(meta.stage), "expected": repr(stage)},
            )
        )
    for name, typ in (("handle", pa.int64()), ("id_type", pa.string()), ("token", TOKEN_TYPE)):
        if name not in table.column_names or table.schema.field(name).type != typ:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.token_column",
                    {"path": str(path), "column": repr(name), "type": str(typ)},
                )
            )
    return table, meta


def tokens_blob(column: pa.ChunkedArray) -> bytes:
    return b"".join(
        chunk.buffers()[1].to_pybytes()[
            chunk.offset * POINT_BYTES : (chunk.offset + len(chunk)) * POINT_BYTES
        ]
        for chunk in column.chunks
    )


def blob_array(blob: bytes) -> pa.Array:
    n = len(blob) // POINT_BYTES
    return pa.Array.from_buffers(TOKEN_TYPE, n, [None, pa.py_buffer(blob)])

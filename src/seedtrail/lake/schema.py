"""Conversion of inbox rows into Arrow tables of the lake's shape (the schemas themselves are the
event contracts, :mod:`seedtrail.contracts`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa

from seedtrail.contracts import BACK, FRONT, KEYS, SCHEMAS, TS

__all__ = ["BACK", "FRONT", "KEYS", "SCHEMAS", "TS", "SealRow", "to_table"]

#: A sealed row as the sealer reads it from the inbox.
SealRow = tuple[str, str, int, int, Any]  # event_id, kind, ts_us, received_us, payload JSON


def to_table(stream: str, rows: Sequence[SealRow]) -> pa.Table:
    schema = SCHEMAS[stream]
    payloads = [orjson.loads(r[4]) for r in rows]
    cols: dict[str, list[Any]] = {
        "event_id": [r[0] for r in rows],
        "kind": [r[1] for r in rows],
        "ts": [r[2] for r in rows],
        "received_at": [r[3] for r in rows],
    }
    for name in schema.names:
        if name not in cols:
            cols[name] = [p.get(name) for p in payloads]
    arrays = [
        pa.array(cols[f.name], type=pa.int64()).cast(TS)
        if f.type == TS
        else pa.array(cols[f.name], type=f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)

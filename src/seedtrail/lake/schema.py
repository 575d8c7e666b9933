"""The lake's column spec for each stream (the shared data contracts), and conversion of inbox
rows into Arrow tables of that shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

FRONT = pa.schema(
    [
        ("event_id", pa.string()),
        ("user_key", pa.string()),
        ("note_id", pa.int64()),
        ("kind", pa.string()),
        ("ts", TS),
        ("received_at", TS),
        ("click_id", pa.string()),
        ("placement", pa.string()),
        ("dwell_ms", pa.int32()),
        ("campaign_id", pa.int64()),
        ("boosted", pa.bool_()),
    ]
)
BACK = pa.schema(
    [
        ("event_id", pa.string()),
        ("partner", pa.string()),
        ("shop_user_key", pa.string()),
        ("kind", pa.string()),
        ("ts", TS),
        ("received_at", TS),
        ("value", pa.float64()),
        ("currency", pa.string()),
        ("order_id", pa.string()),
        ("click_id", pa.string()),
        ("keyword", pa.string()),
        ("sample_rate", pa.float64()),
        ("item_id", pa.string()),
        ("declared_sample_rate", pa.float64()),  # the partner's, when the event arrived
    ]
)
SCHEMAS = {"front": FRONT, "back": BACK}
#: Columns that identify an event within its stream (partner event ids are per partner).
KEYS = {"front": ("event_id",), "back": ("partner", "event_id")}

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

"""Column-at-a-time validation of community events read from Parquet (file import and replay).

:func:`seedtrail.intake.events.check` validates one record at a time with pydantic and names
what is wrong with each bad one. On a large file almost every record is good, and building a
Python object per field of each just to confirm it costs most of an import. :func:`front_batch`
decides a whole Arrow batch with pyarrow compute instead: a record passes only when every rule
the record-by-record check applies holds *and* the check could not change any of its values
(no surrounding whitespace to strip, exact types); such records become inbox rows identical, byte
for byte, to what :func:`~seedtrail.intake.events.check` makes of them (tested). Every other
record — a bad one, or one the fast rules cannot vouch for — is left to
:func:`~seedtrail.intake.events.check`, which accepts it or rejects it with its usual message and
line. Nothing the slow path would accept is dropped, and nothing it would reject gets through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from seedtrail.contracts import COMMUNITY_KINDS, PLACEMENTS
from seedtrail.intake.events import InboxRow

#: The payload's fields in the order the record-by-record check writes them.
PAYLOAD = ("user_key", "note_id", "click_id", "placement", "dwell_ms", "campaign_id", "boosted")
FIELDS = frozenset(("event_id", "ts", "received_at", "kind", *PAYLOAD))
REQUIRED = frozenset(("event_id", "ts", "user_key", "note_id", "kind"))
#: Text whose first and last characters are visible ASCII, letters or digits: stripping
#: whitespace leaves it unchanged (anything else goes the record-by-record way).
_TRIMMED = r"(?s)^[!-~\p{L}\p{N}](.*[!-~\p{L}\p{N}])?$"
_INT32_MAX = 2**31 - 1


@dataclass
class Split:
    rows: list[InboxRow]  # the records that passed, as inbox rows
    index: np.ndarray  # their positions in the batch
    rest: np.ndarray  # positions of the records left to the record-by-record check


def _key(col: pa.ChunkedArray | pa.Array, max_len: int, nullable: bool = False) -> pa.Array:
    ok = pc.and_(
        pc.match_substring_regex(col, _TRIMMED),
        pc.less_equal(pc.utf8_length(col), max_len),
    )
    if nullable:
        return pc.or_kleene(pc.is_null(col), ok)
    return ok


def _typed(schema: pa.Schema) -> bool:
    """Whether the batch's columns have the types the fast rules know (else: all slow)."""
    names = set(schema.names)
    if not names <= FIELDS or not names >= REQUIRED:
        return False
    want: dict[str, Any] = {
        "event_id": pa.types.is_string,
        "user_key": pa.types.is_string,
        "note_id": pa.types.is_string,
        "kind": pa.types.is_string,
        "click_id": pa.types.is_string,
        "placement": pa.types.is_string,
        "dwell_ms": pa.types.is_integer,
        "campaign_id": pa.types.is_integer,
        "boosted": pa.types.is_boolean,
    }
    for field in schema:
        if field.name in ("ts", "received_at"):
            t = field.type
            if not (pa.types.is_timestamp(t) and t.tz is not None and t.unit == "us"):
                return False
        elif not want[field.name](field.type):
            return False
    return True


def _mask(batch: pa.RecordBatch) -> pa.Array:
    names = set(batch.schema.names)
    col = batch.column
    checks = [
        _key(col("event_id"), 128),
        _key(col("user_key"), 128),
        _key(col("note_id"), 128),
        pc.is_in(col("kind"), pa.array(COMMUNITY_KINDS)),
        pc.is_valid(col("ts")),
    ]
    if "click_id" in names:
        empty = pc.equal(col("click_id"), "")
        checks.append(pc.or_kleene(_key(col("click_id"), 64, nullable=True), empty))
    if "placement" in names:
        p = col("placement")
        checks.append(pc.or_kleene(pc.is_null(p), pc.is_in(p, pa.array(PLACEMENTS))))
    if "dwell_ms" in names:
        d = col("dwell_ms")
        fits = pc.and_(pc.greater_equal(d, 0), pc.less_equal(d, _INT32_MAX))
        read = pc.equal(col("kind"), "read")
        checks.append(pc.or_kleene(pc.is_null(d), pc.and_(fits, read)))
    if "boosted" in names:
        checks.append(pc.is_valid(col("boosted")))
    ok = checks[0]
    for c in checks[1:]:
        ok = pc.and_kleene(ok, c)
    return pc.fill_null(ok, False)


def front_batch(batch: pa.RecordBatch, source: str, received_us: int) -> Split:
    """Split ``batch`` (community events, aliases already applied) into the inbox rows of the
    records that certainly pass and the positions of the others."""
    everything = np.arange(batch.num_rows)
    if not _typed(batch.schema):
        return Split([], everything[:0], everything)
    ok = _mask(batch).to_numpy(zero_copy_only=False)
    good = batch.filter(pa.array(ok))
    names = [n for n in PAYLOAD if n in good.schema.names]
    payload = good.select(names).to_pylist()
    event_ids = good.column("event_id").to_pylist()
    kinds = good.column("kind").to_pylist()
    ts = pc.cast(good.column("ts"), pa.int64()).to_pylist()
    if "received_at" in good.schema.names:
        got = pc.fill_null(pc.cast(good.column("received_at"), pa.int64()), received_us)
        received = got.to_pylist()
    else:
        received = [received_us] * good.num_rows
    boosted = "boosted" in names
    rows: list[InboxRow] = []
    for ev, event_id, kind, t, r in zip(payload, event_ids, kinds, ts, received, strict=True):
        if not boosted:
            ev["boosted"] = False
        rows.append(("front", source, event_id, kind, t, r, orjson.dumps(ev)))
    return Split(rows, everything[ok], everything[~ok])

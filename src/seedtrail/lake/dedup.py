"""Dedup by event id: keep the first row of each key, and none whose key the lake already has."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc


def key_column(table: pa.Table, keys: Sequence[str]) -> pa.Array:
    if len(keys) == 1:
        return table.column(keys[0]).combine_chunks()
    parts = [table.column(k).combine_chunks() for k in keys]
    joined: pa.Array = pc.binary_join_element_wise(*parts, "\x1f")
    return joined


def first_of_each(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """The first row of each key, in the original order."""
    key = key_column(table, keys)
    idx = pa.table({"k": key, "i": pa.array(range(len(key)), pa.int64())})
    first = idx.group_by("k", use_threads=False).aggregate([("i", "min")]).column("i_min")
    return table.take(first.sort())


def new_rows(existing: pa.Table | None, incoming: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Rows of ``incoming`` whose key is neither in ``existing`` nor earlier in ``incoming``."""
    incoming = first_of_each(incoming, keys)
    if existing is None or existing.num_rows == 0:
        return incoming
    seen = key_column(existing, keys)
    return incoming.filter(pc.invert(pc.is_in(key_column(incoming, keys), value_set=seen)))

"""Per-text metadata of a scan as columns (Arrow strings, numpy numbers), not Python lists.

Ten million comments as Python lists of ids, authors, notes and times cost about 2 GB per million
(an object per value); as Arrow string arrays and numpy columns they cost a few dozen bytes a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from seedtrail.integrity.sources import KINDS, Item


@dataclass(frozen=True)
class Columns:
    ids: pa.Array  # string
    authors: pa.Array  # string, null when unknown
    notes: pa.Array  # string, null when unknown
    ts: np.ndarray  # float64 unix seconds, NaN when unknown
    created: np.ndarray  # float64 unix seconds, NaN when unknown
    kinds: np.ndarray  # int8 index into KINDS
    lengths: np.ndarray  # int64 characters of the text

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def is_note(self) -> np.ndarray:
        return np.asarray(self.kinds == KINDS.index("note"))

    @property
    def is_comment(self) -> np.ndarray:
        return np.asarray(self.kinds == KINDS.index("comment"))

    def kind(self, i: int) -> str:
        return KINDS[int(self.kinds[i])]


@dataclass
class ColumnBuilder:
    """Collects batches of items into :class:`Columns` (one small array per batch and field)."""

    _parts: list[Columns] = field(default_factory=list)

    def add(self, batch: list[Item]) -> None:
        self._parts.append(
            Columns(
                ids=pa.array([it.id for it in batch], pa.string()),
                authors=pa.array([it.author for it in batch], pa.string()),
                notes=pa.array([it.note_id for it in batch], pa.string()),
                ts=_floats([it.ts for it in batch]),
                created=_floats([it.author_created for it in batch]),
                kinds=np.fromiter((KINDS.index(it.kind) for it in batch), np.int8, len(batch)),
                lengths=np.fromiter((len(it.text) for it in batch), np.int64, len(batch)),
            )
        )

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts)

    def finish(self) -> Columns:
        parts, self._parts = self._parts, []

        def strings(name: str) -> pa.Array:
            chunks = [getattr(p, name) for p in parts]
            return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())

        def numbers(name: str, dtype: type) -> np.ndarray:
            chunks = [getattr(p, name) for p in parts]
            return np.concatenate(chunks) if chunks else np.zeros(0, dtype)

        return Columns(
            ids=strings("ids"),
            authors=strings("authors"),
            notes=strings("notes"),
            ts=numbers("ts", np.float64),
            created=numbers("created", np.float64),
            kinds=numbers("kinds", np.int8),
            lengths=numbers("lengths", np.int64),
        )


def _floats(values: list[float | None]) -> np.ndarray:
    arr = pa.array(values, pa.float64())
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)  # nulls become NaN


def encode(values: pa.Array) -> tuple[list[str], np.ndarray]:
    """Distinct values and each row's code (Arrow's dictionary encoding; no nulls expected)."""
    enc = values.dictionary_encode()
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return enc.dictionary.to_pylist(), codes

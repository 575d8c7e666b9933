"""Independent, reproducible random streams: one numpy Generator per (seed, stream name, ids)."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *ids: int) -> np.random.Generator:
    """A Generator that depends only on the seed, the stream's name and the given ids."""
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, zlib.crc32(name.encode()), *ids])

"""Run chunked, picklable work on a process pool (spawned, so no state leaks), with progress.

The work functions live in the modules that own them (``matching``); this module only fans out
and gathers in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

A = TypeVar("A")
R = TypeVar("R")
Progress = Callable[[int], None]


def run_chunks(
    fn: Callable[[A], R],
    chunks: Sequence[A],
    sizes: Sequence[int],
    *,
    processes: int,
    progress: Progress | None = None,
) -> list[R]:
    """``[fn(c) for c in chunks]`` on ``processes`` workers; calls ``progress(size)`` per chunk."""
    out: list[R] = []
    if processes <= 1 or len(chunks) <= 1:
        for chunk, size in zip(chunks, sizes, strict=True):
            out.append(fn(chunk))
            if progress:
                progress(size)
        return out
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
        for size, result in zip(sizes, pool.map(fn, chunks), strict=True):
            out.append(result)
            if progress:
                progress(size)
    return out

"""What a durable append costs on this disk: the click segment's write pattern (append a few kB,
``fdatasync``) timed in a loop, against a preallocated file overwritten in place (the sync then
needs no journal commit for the file's size: the cheapest durable write a segment could do).

``bench/redirect.py`` prints the first figure with its results, since the redirect's throughput
at a fixed number of connections follows the sync round trip; run alone, this prints both:

    python bench/disk_sync.py [--dir DIR] [--syncs 2000] [--record 3000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SyncCost:
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        return f"p50 {self.p50_ms:.3f} ms, p99 {self.p99_ms:.3f} ms"


def _cost(times: list[float]) -> SyncCost:
    times.sort()
    return SyncCost(times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3)


def append_sync(directory: Path, syncs: int = 500, record: int = 3000) -> SyncCost:
    """``fdatasync`` after each append of ``record`` bytes to a new file (removed after)."""
    data = b"x" * record
    times = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="sync-probe-") as fh:
        fd = fh.fileno()
        for _ in range(syncs):
            os.write(fd, data)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            times.append(time.perf_counter() - t0)
    return _cost(times)


def overwrite_sync(directory: Path, syncs: int = 500, record: int = 3000) -> SyncCost:
    """``fdatasync`` after each in-place write into a zero-filled, synced file."""
    data = b"x" * record
    times = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="sync-probe-") as fh:
        fd = fh.fileno()
        os.write(fd, bytes(syncs * record))
        os.fsync(fd)
        for i in range(syncs):
            os.pwrite(fd, data, i * record)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            times.append(time.perf_counter() - t0)
    return _cost(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--syncs", type=int, default=2000)
    ap.add_argument("--record", type=int, default=3000, help="bytes per write")
    args = ap.parse_args()
    base = append_sync(args.dir, args.syncs, args.record)
    other = overwrite_sync(args.dir, args.syncs, args.record)
    print(f"disk under {args.dir}, {args.syncs} syncs of {args.record} bytes each")
    print(f"append + fdatasync (the click segment; baseline): {base.line()}")
    print(
        f"in-place overwrite + fdatasync: {other.line()}; "
        f"ratio to the baseline {other.p50_ms / base.p50_ms:.2f} (p50)"
    )


if __name__ == "__main__":
    main()

"""The click segment: an append-only file per serving process that makes each click durable
before its redirect is sent, without a database on the hot path.

Records are length-prefixed: ``<u32 length><u32 crc32>`` then the payload, a JSON array
``[1, click_id, ts_us, mount_id, ..., is_duplicate, campaign_id]`` (the leading 1 is the format
version; fields may be added at the end, and a reader pads a shorter record with None, so an
older record reads as having no campaign). The event loop appends each click's bytes to the
current group; one syncer thread writes the group with a single ``write`` and one
``fdatasync``, then releases every request of that group at once. Requests arriving meanwhile
form the next group.

Each process owns ``w-<id>.lock`` (an ``flock`` held for its life) and writes
``w-<id>-<seq>.seg`` files, starting a new one past ``max_bytes``. The mover
(:mod:`seedtrail.links.mover`) copies records into the store's ``clicks`` table; a file whose
owner's lock is free (the process died, kill -9 included) is replayed to its last complete
record and removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import queue
import secrets
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from seedtrail.links.clicklog import COLUMNS, Click, ClickLogError

VERSION = 1
HEADER = struct.Struct("<II")
#: Every click field, then the optional ones a newer writer may add (None when absent).
FIELDS = COLUMNS
MAX_RECORD = 1 << 16


def encode(click: Click) -> bytes:
    payload = orjson.dumps((VERSION, *click))
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def decode(payload: bytes) -> Click:
    values = orjson.loads(payload)
    if not values or values[0] != VERSION:
        raise ValueError(f"unknown click record version {values[:1]}")
    fields = values[1 : 1 + len(FIELDS)]
    return (*fields, *([None] * (len(FIELDS) - len(fields))))


def read_records(data: bytes | memoryview, start: int = 0) -> Iterator[tuple[int, Click]]:
    """``(end offset, click)`` for each complete, intact record from ``start``; stops at the
    first short or corrupt one (a torn tail)."""
    end = len(data)
    pos = start
    while pos + HEADER.size <= end:
        size, crc = HEADER.unpack_from(data, pos)
        body = pos + HEADER.size
        if size > MAX_RECORD or body + size > end:
            return
        payload = bytes(data[body : body + size])
        if zlib.crc32(payload) != crc:
            return
        pos = body + size
        yield pos, decode(payload)


def segment_name(writer: str, seq: int) -> str:
    return f"w-{writer}-{seq:06d}.seg"


def parse_name(name: str) -> tuple[str, int] | None:
    if not (name.startswith("w-") and name.endswith(".seg")):
        return None
    writer, _, seq = name[2:-4].rpartition("-")
    return (writer, int(seq)) if writer and seq.isdigit() else None


def lock_path(directory: Path, writer: str) -> Path:
    return directory / f"w-{writer}.lock"


def writer_alive(directory: Path, writer: str) -> bool:
    """Whether the process that owns ``writer``'s lock still runs."""
    try:
        fd = os.open(lock_path(directory, writer), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return False


class ClickSegment:
    """The writer: ``await write(click)`` returns once the click is on disk (fdatasync'd)."""

    def __init__(
        self, directory: Path, *, max_bytes: int = 64 << 20, sync: bool = True, syncers: int = 2
    ) -> None:
        self.directory = directory
        self.syncers = syncers
        self.max_bytes = max_bytes
        self.sync = sync
        self.writer = f"{os.getpid()}{secrets.token_hex(4)}"
        self.groups = 0
        self.written = 0
        self._pending: list[bytes] = []
        self._future: asyncio.Future[None] | None = None
        self._inflight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._work: queue.SimpleQueue[tuple[list[bytes], asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._file_lock = threading.Lock()
        self._users: dict[int, int] = {}  # fd -> syncers writing or syncing it
        self._lock_fd = -1
        self._fd = -1
        self._seq = 0
        self._size = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(lock_path(self.directory, self.writer), os.O_RDWR | os.O_CREAT)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._open(1)
        self._loop = loop
        self._threads = [
            threading.Thread(target=self._run, name=f"click segment {i}", daemon=True)
            for i in range(self.syncers)
        ]
        for thread in self._threads:
            thread.start()

    def _open(self, seq: int) -> None:
        path = self.directory / segment_name(self.writer, seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if self.sync:  # the new name must survive a power cut too
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self._seq, self._size = seq, 0

    async def write(self, click: Click) -> None:
        """Return once ``click`` is durable; raise :class:`ClickLogError` if it cannot be."""
        self._pending.append(encode(click))
        fut = self._future
        if fut is None:
            assert self._loop is not None, "click segment not started"
            fut = self._future = self._loop.create_future()
        if self._inflight < self.syncers:
            self._kick()
        # shield: one cancelled request must not cancel the whole group's future
        await asyncio.shield(fut)

    def _kick(self) -> None:
        fut = self._future
        if fut is None:
            return
        batch, self._pending, self._future = self._pending, [], None
        self._inflight += 1
        self._work.put((batch, fut))

    def _settled(self, fut: asyncio.Future[None], error: str | None) -> None:
        self._inflight -= 1
        if not fut.done():
            if error is None:
                fut.set_result(None)
            else:
                fut.set_exception(ClickLogError(f"click log unavailable: {error}"))
        if self._pending:
            self._kick()

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            batch, fut = item
            error = None
            try:
                self._append(b"".join(batch))
                self.groups += 1
                self.written += len(batch)
            except OSError as exc:
                error = type(exc).__name__
            assert self._loop is not None
            with contextlib.suppress(RuntimeError):  # the loop closed while we synced
                self._loop.call_soon_threadsafe(self._settled, fut, error)

    def _append(self, data: bytes) -> None:
        """Write one group (one ``write``: groups never interleave) and fdatasync it. Several
        syncers overlap their fdatasyncs; each returns once everything written before it, its
        own group included, is on disk."""
        with self._file_lock:
            fd = self._fd
            self._users[fd] = self._users.get(fd, 0) + 1
            done = os.write(fd, data)
            self._size += done
            if done < len(data) or self._size >= self.max_bytes:
                self._open(self._seq + 1)  # later groups start clean in a new file
        try:
            if done < len(data):  # a full disk: this group is not durable
                raise OSError(28, "short write to the click segment")
            if self.sync:
                os.fdatasync(fd)
        finally:
            with self._file_lock:
                self._users[fd] -= 1
                if fd != self._fd and not self._users[fd]:  # retired and no syncer left on it
                    del self._users[fd]
                    os.close(fd)

    def stop(self) -> None:
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        for fd in (self._fd, self._lock_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._lock_fd = -1

    def stats(self) -> dict[str, object]:
        return {"groups": self.groups, "written": self.written, "writer": self.writer}

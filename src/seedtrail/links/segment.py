"""The click segment: an append-only file per serving process that makes each click durable
before its redirect is sent, without a database on the hot path.

Records are length-prefixed: ``<u32 length><u32 crc32>`` then the payload, a JSON array. A
record holds the clicks of one group (up to :data:`GROUP_MAX`): ``[2, [click_id, ts_us,
mount_id, ..., is_duplicate, campaign_id], [...], ...]``; the leading number is the format
version. Version 1 (written before 0.x's group records, still read) held one click:
``[1, click_id, ts_us, ...]``. Fields may be added at the end of a click, and a reader pads a
shorter click with None, so an older record reads as having no campaign. A group's clicks are
acknowledged together, after its records are synced, so a torn record never holds a click a
client received.

The event loop collects the clicks of one loop iteration into a group, appends the group to the
file with one ``write`` (into the page cache), and asks the syncer process
(:mod:`seedtrail.links.syncer`) to ``fdatasync`` it; every request of the group is answered once
the syncer reports the group on disk. While one sync runs, the next groups are written and wait
together for the next sync (a group commit), so neither the loop nor a thread of this process
waits on the disk, and no other thread of this process needs the interpreter lock per group.

Each process owns ``w-<id>.lock`` (an ``flock`` held for its life) and writes
``w-<id>-<seq>.seg`` files, starting a new one past ``max_bytes`` or after a failed write or
sync. The mover (:mod:`seedtrail.links.mover`) copies records into the store's ``clicks`` table;
a file whose owner's lock is free (the process died, kill -9 included) is replayed to its last
complete record and removed.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
import socket
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from seedtrail.links import syncer
from seedtrail.links.clicklog import COLUMNS, Click, ClickLogError

VERSION = 2  # a record holds a group's clicks
ONE_CLICK = 1  # the older records: one click each
HEADER = struct.Struct("<II")
#: Every click field, then the optional ones a newer writer may add (None when absent).
FIELDS = COLUMNS
#: clicks per record: a bigger group is written as several records
GROUP_MAX = 256
#: a sanity bound on a record's length (GROUP_MAX clicks of the longest fields fit well within)
MAX_RECORD = 1 << 20


def encode(clicks: Sequence[Click]) -> bytes:
    """The records of a group of clicks (one per :data:`GROUP_MAX` clicks)."""
    out = []
    for i in range(0, len(clicks), GROUP_MAX):
        payload = orjson.dumps([VERSION, *clicks[i : i + GROUP_MAX]])
        out.append(HEADER.pack(len(payload), zlib.crc32(payload)))
        out.append(payload)
    return b"".join(out)


def _padded(fields: list[Any]) -> Click:
    fields = fields[: len(FIELDS)]
    return (*fields, *([None] * (len(FIELDS) - len(fields))))


def decode(payload: bytes) -> list[Click]:
    """The clicks of one record's payload."""
    values = orjson.loads(payload)
    if values and values[0] == VERSION:
        n = len(FIELDS)
        return [tuple(f) if len(f) == n else _padded(f) for f in values[1:]]
    if values and values[0] == ONE_CLICK:
        return [_padded(values[1:])]
    raise ValueError(f"unknown click record version {values[:1]}")


def read_records(data: bytes | memoryview, start: int = 0) -> Iterator[tuple[int, list[Click]]]:
    """``(end offset, clicks)`` for each complete, intact record from ``start``; stops at the
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
    return (writer, int(seq)) if writer and seq.isdecimal() else None


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


class GroupFuture(asyncio.Future[None]):
    """A group's outcome, awaited by every request of the group. It cannot be cancelled: a
    cancelled request (its client gone) must not cancel the others' wait; the request's own task
    is cancelled once the group is settled.

    A caller with no task of its own per request (the redirect's listener) registers
    ``on_settled(fn, arg)`` instead of awaiting: every ``fn(arg, failed)`` of the group runs in
    one loop callback."""

    def __init__(self, *, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._each: list[tuple[Callable[[Any, bool], None], Any]] = []

    def cancel(self, msg: object = None) -> bool:
        return False

    def on_settled(self, fn: Callable[[Any, bool], None], arg: Any) -> None:
        if not self._each:
            self.add_done_callback(self._run_each)
        self._each.append((fn, arg))

    def _run_each(self, _: asyncio.Future[None]) -> None:
        failed = self.exception() is not None
        for fn, arg in self._each:
            fn(arg, failed)


class ClickSegment:
    """The writer: ``await write(click)`` returns once the click is on disk (fdatasync'd)."""

    def __init__(self, directory: Path, *, max_bytes: int = 64 << 20) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.writer = f"{os.getpid()}{secrets.token_hex(4)}"
        self.groups = 0  # groups settled on disk
        self.written = 0  # clicks settled on disk
        self._pending: list[Click] = []
        self._future: GroupFuture | None = None
        self._group = 0  # the last group number handed to the syncer
        self._waiting: dict[int, tuple[int, GroupFuture, int]] = {}  # group -> file, future, clicks
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock_fd = -1
        self._fd = -1
        self._seq = 0
        self._size = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(lock_path(self.directory, self.writer), os.O_RDWR | os.O_CREAT)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._loop = loop
        self._spawn()
        self._open(1)

    def _spawn(self) -> None:
        """Start the syncer process, on a socket pair; its replies are read by the event loop."""
        assert self._loop is not None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", syncer.__file__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,  # group signals go to the server; the syncer ends on EOF
            )
        ours.setblocking(False)
        self._sock = ours
        self._loop.add_reader(ours.fileno(), self._on_replies)
        if self._fd >= 0:  # a replacement: it syncs the file being written
            self._send(syncer.OPEN, self._seq, 0, [self._fd])

    def _open(self, seq: int) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # the syncer holds its own descriptor until it is synced
        path = self.directory / segment_name(self.writer, seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        dir_fd = os.open(self.directory, os.O_RDONLY)  # the new name must survive a power cut
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._seq, self._size = seq, 0
        self._send(syncer.OPEN, seq, 0, [self._fd])

    def _send(self, kind: bytes, file_no: int, group: int, fds: list[int] | None = None) -> None:
        sock = self._sock
        if sock is None:
            return
        message = syncer.MESSAGE.pack(kind, file_no, group, 0)
        try:
            _send(sock, message, fds)
        except BlockingIOError:  # the syncer is behind by thousands of messages: wait for it
            sock.setblocking(True)
            try:
                _send(sock, message, fds)
            except OSError:
                self._syncer_gone()
            finally:
                sock.setblocking(False)
        except OSError:
            self._syncer_gone()

    def write(self, click: Click) -> GroupFuture:
        """A future settled once ``click`` is durable (or with :class:`ClickLogError` if it
        cannot be): ``await segment.write(click)``."""
        self._pending.append(click)
        fut = self._future
        if fut is None:
            loop = self._loop
            assert loop is not None, "click segment not started"
            fut = self._future = GroupFuture(loop=loop)
            loop.call_soon(self._flush)  # after the other requests ready in this iteration
        return fut

    def _flush(self) -> None:
        """Append the current group and ask the syncer to make it durable."""
        batch, fut = self._pending, self._future
        self._pending, self._future = [], None
        if fut is None:
            return
        if self._sock is None:
            self._spawn()
        data = encode(batch)
        try:
            done = os.write(self._fd, data)
        except OSError:
            done = -1
        if done < len(data):  # a full disk: this group is not durable; start clean
            _settle(fut, "short write to the click segment")
            self._open(self._seq + 1)
            return
        self._size += done
        self._group += 1
        self._waiting[self._group] = (self._seq, fut, len(batch))
        self._send(syncer.SYNC, self._seq, self._group)
        if self._size >= self.max_bytes:
            self._open(self._seq + 1)

    def _on_replies(self) -> None:
        sock = self._sock
        assert sock is not None
        while True:
            try:
                data = sock.recv(syncer.MESSAGE.size * syncer.MAX_ROUND)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._syncer_gone()
                return
            self._settle_replies(data)

    def _settle_replies(self, data: bytes) -> None:
        for pos in range(0, len(data) - syncer.MESSAGE.size + 1, syncer.MESSAGE.size):
            _, file_no, group, error = syncer.MESSAGE.unpack_from(data, pos)
            self._settle_groups(file_no, group, error)

    def _settle_groups(self, file_no: int, upto: int, error: int) -> None:
        for group in [g for g, w in self._waiting.items() if g <= upto and w[0] == file_no]:
            _, fut, clicks = self._waiting.pop(group)
            if error:
                _settle(fut, os.strerror(error))
            else:
                self.groups += 1
                self.written += clicks
                _settle(fut, None)
        if error and file_no == self._seq:  # a failed sync may have lost the file's pages
            self._open(self._seq + 1)

    def _syncer_gone(self) -> None:
        """The syncer died: no waiting group can be acknowledged; the next group starts a new
        syncer on the same file (what was written stays in it for the mover)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.close()
        if self._proc is not None:
            self._proc.wait()
            self._proc = None
        waiting, self._waiting = self._waiting, {}
        for _, fut, _ in waiting.values():
            _settle(fut, "the click segment's syncer stopped")

    def stop(self) -> None:
        """Sync what is pending, let the syncer finish and close the files."""
        if self._future is not None:
            self._flush()
        sock = self._sock
        if sock is not None and self._proc is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.shutdown(socket.SHUT_WR)  # the syncer ends after what it was sent
            sock.setblocking(True)
            sock.settimeout(30)
            try:
                while data := sock.recv(syncer.MESSAGE.size * syncer.MAX_ROUND):
                    self._settle_replies(data)
            except OSError:
                pass
            self._sock = sock
        self._syncer_gone()
        for fd in (self._fd, self._lock_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._lock_fd = -1

    def stats(self) -> dict[str, object]:
        return {"groups": self.groups, "written": self.written, "writer": self.writer}


def _send(sock: socket.socket, message: bytes, fds: list[int] | None) -> None:
    if fds:
        socket.send_fds(sock, [message], fds)
    else:
        sock.send(message)


def _settle(fut: asyncio.Future[None], error: str | None) -> None:
    if fut.done():
        return
    if error is None:
        fut.set_result(None)
    else:
        fut.set_exception(ClickLogError(f"click log unavailable: {error}"))

"""The click segment's syncer: a process of its own that makes the serving process's appends
durable, so that neither the event loop nor a thread of the server waits on the disk or on the
interpreter lock for it.

The serving process (:class:`seedtrail.links.segment.ClickSegment`) appends each group of clicks
to its segment file itself, from the event loop (one ``write`` into the page cache), then asks
this process to sync it. Messages are fixed-size records on a ``SOCK_SEQPACKET`` Unix socket:

- ``OPEN file fd``: a new segment file; its descriptor travels with the message
  (``SCM_RIGHTS``), so the syncer syncs the very open file the server writes (and sees any
  writeback error reported on it).
- ``SYNC file group``: group ``group`` has been written to ``file``.
- ``DONE file group errno`` (reply): every group of ``file`` up to ``group`` is on disk
  (``errno`` 0), or ``fdatasync`` failed with ``errno`` and none of them may be acknowledged.

The syncer reads every message waiting, syncs each file named once (one ``fdatasync`` covers
every group written to it before the call: a group commit), answers, and repeats. It closes a
file once a newer one is open, and exits when the server's end of the socket closes (a clean
stop, or the server's death: kill -9 included). SIGINT and SIGTERM are ignored: the server
decides when it stops, after its last groups are synced.

Run as a script, standard library only: ``python -I syncer.py FD``.
"""

from __future__ import annotations

import array
import os
import signal
import socket
import struct
import sys

#: kind (OPEN, SYNC or DONE), file number, group number, errno
MESSAGE = struct.Struct("<cxxxIQi")
OPEN, SYNC, DONE = b"F", b"S", b"D"
#: messages read before syncing (a bound on one round's work, not on the group size)
MAX_ROUND = 4096


def receive(sock: socket.socket, files: dict[int, int]) -> dict[int, int] | None:
    """The messages waiting (blocking for the first): ``{file: last group to sync}``, with the
    descriptors of newly opened files added to ``files``. None when the server has gone."""
    wanted: dict[int, int] = {}
    flags = 0
    for _ in range(MAX_ROUND):
        try:
            data, fds = _recv(sock, flags)
        except BlockingIOError:
            break
        except OSError:  # reset: the server died
            data, fds = b"", []
        if not data:
            for fd in fds:
                os.close(fd)
            return wanted or None
        kind, file_no, group, _ = MESSAGE.unpack(data)
        if kind == OPEN and fds:
            files[file_no] = fds[0]
        elif kind == SYNC:
            wanted[file_no] = max(group, wanted.get(file_no, 0))
        flags = socket.MSG_DONTWAIT
    return wanted


def _recv(sock: socket.socket, flags: int) -> tuple[bytes, list[int]]:
    """One message and the descriptors it carries (``socket.recv_fds`` before Python 3.12
    ignores ``flags``)."""
    data, ancillary, _, _ = sock.recvmsg(MESSAGE.size, socket.CMSG_LEN(4), flags)
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return data, list(fds)


def serve(sock: socket.socket) -> None:
    files: dict[int, int] = {}
    while True:
        wanted = receive(sock, files)
        if wanted is None:
            return
        replies = []
        for file_no, group in sorted(wanted.items()):
            error = 0
            try:
                os.fdatasync(files[file_no])
            except KeyError:
                error = 9  # EBADF: a sync asked for a file never opened here
            except OSError as exc:
                error = exc.errno or 5
            replies.append(MESSAGE.pack(DONE, file_no, group, error))
        if replies:
            try:
                sock.sendall(b"".join(replies))
            except OSError:  # the server has gone
                return
        newest = max(files, default=0)
        for file_no in [f for f in files if f < newest]:  # every sync of it came before OPEN
            os.close(files.pop(file_no))


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[1]))
    try:
        serve(sock)
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

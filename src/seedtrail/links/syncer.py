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

A thread reads every message waiting, syncs each file named once (one ``fdatasync`` covers
every group written to it before the call: a group commit) and answers; a second thread reads
meanwhile, so a new group's sync starts while another runs. The syncer closes a file once a
newer one is open, and exits when the server's end of the socket closes (a clean stop, or the
server's death: kill -9 included). SIGINT and SIGTERM are ignored: the server decides when it
stops, after its last groups are synced.

Run as a script, standard library only: ``python -I syncer.py FD``.
"""

from __future__ import annotations

import array
import contextlib
import os
import signal
import socket
import struct
import sys
import threading

#: kind (OPEN, SYNC or DONE), file number, group number, errno
MESSAGE = struct.Struct("<cxxxIQi")
OPEN, SYNC, DONE = b"F", b"S", b"D"
#: replies one read of the server takes at most
MAX_ROUND = 4096


def _recv(sock: socket.socket, flags: int) -> tuple[bytes, list[int]]:
    """One message and the descriptors it carries (``socket.recv_fds`` before Python 3.12
    ignores ``flags``)."""
    data, ancillary, _, _ = sock.recvmsg(MESSAGE.size, socket.CMSG_LEN(4), flags)
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return data, list(fds)


class Syncer:
    """``threads`` threads take turns reading the server's messages: the one reading takes every
    group waiting, syncs it and answers, while the next one is already reading, so a group
    written while a sync runs starts its own sync at once (each ``fdatasync`` covers everything
    written before it started, so replies may come in any order)."""

    def __init__(self, sock: socket.socket, threads: int = 2) -> None:
        self.sock = sock
        self.threads = threads
        self.files: dict[int, int] = {}
        self.busy = 0  # threads syncing
        self.reading = threading.Lock()  # one reader at a time
        self.state = threading.Lock()  # files and busy
        self.send_lock = threading.Lock()

    def run(self) -> None:
        workers = [threading.Thread(target=self._work, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _work(self) -> None:
        while True:
            with self.reading:
                wanted = self._receive()
                if wanted:
                    with self.state:
                        self.busy += 1
                        fds = {file_no: self.files.get(file_no) for file_no in wanted}
            if wanted is None:
                return
            if not wanted:
                continue
            replies = []
            for file_no, group in sorted(wanted.items()):
                fd = fds[file_no]
                error = 0
                try:
                    if fd is None:
                        error = 9  # EBADF: a sync asked for a file never opened here
                    else:
                        os.fdatasync(fd)
                except OSError as exc:
                    error = exc.errno or 5
                replies.append(MESSAGE.pack(DONE, file_no, group, error))
            # OSError: the server has gone; its groups die with it
            with self.send_lock, contextlib.suppress(OSError):
                self.sock.sendall(b"".join(replies))
            with self.state:
                self.busy -= 1
                self._close_old()

    def _receive(self) -> dict[int, int] | None:
        """The messages waiting (blocking for the first): ``{file: last group to sync}``; newly
        opened files are added to ``files``. None once the server has closed its end."""
        wanted: dict[int, int] = {}
        flags = 0
        for _ in range(MAX_ROUND):
            try:
                data, fds = _recv(self.sock, flags)
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
                with self.state:
                    self.files[file_no] = fds[0]
                    self._close_old(keep=wanted)
            elif kind == SYNC:
                wanted[file_no] = max(group, wanted.get(file_no, 0))
            flags = socket.MSG_DONTWAIT
        return wanted

    def _close_old(self, keep: dict[int, int] | None = None) -> None:
        """Close files older than the newest once no sync may use them (every sync of a file is
        asked before the next file's OPEN). Called holding ``state``."""
        if self.busy:
            return
        newest = max(self.files, default=0)
        for file_no in [f for f in self.files if f < newest and f not in (keep or ())]:
            os.close(self.files.pop(file_no))


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[1]))
    try:
        Syncer(sock).run()
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

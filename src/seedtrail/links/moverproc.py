"""The click mover in a process of its own, started and stopped by each serving process.

Copying clicks into the store (decoding records, the database's inserts) would otherwise run in
the server's process and hold its interpreter lock while the event loop answers redirects. The
server starts ``python -m seedtrail.links.moverproc DIRECTORY INTERVAL`` (the database URL in
the environment, never on the command line) with a pipe on its standard input, and stops it by
closing the pipe; the mover then makes one last round and exits. The pipe also closes when the
server dies (kill -9 included), so the mover never outlives it by more than its last round.
It runs in a session of its own and ignores SIGINT and SIGTERM: a Ctrl-C or a SIGTERM to the
server's process group reaches the server, which stops its mover after its last click.

Several servers on one data directory (``--workers 2``) each start one; an ``flock`` on
``DIRECTORY/mover.lock`` lets one move while the others stand by to take over.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine

from seedtrail.core import heap
from seedtrail.links.mover import ClickMover
from seedtrail.store.db import make_engine

log = logging.getLogger(__name__)
#: where the server puts the database URL for the mover (not argv: it may hold a password)
URL_ENV = "SEEDTRAIL_MOVER_DATABASE_URL"
LOCK_NAME = "mover.lock"
#: the mover's work can wait; the redirect's cannot: on a busy machine the mover yields the CPU
NICENESS = 10


class MoverProcess:
    """The serving process's handle on its mover process, which connects with the store
    engine's URL (all of it, query options such as a PostgreSQL search_path included; arguments
    given to the engine outside its URL do not travel)."""

    def __init__(self, engine: Engine, directory: Path, interval_s: float) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.directory = directory
        self.interval_s = interval_s
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **{URL_ENV: self.url})
        cmd = [sys.executable, "-m", __name__, str(self.directory), repr(self.interval_s)]
        # a session of its own: a Ctrl-C or SIGTERM to the server's process group (even while the
        # mover is still starting) must not cut its last round short; it ends on the pipe
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, start_new_session=True)

    def stop(self, timeout_s: float = 60.0) -> None:
        """Close the pipe, then wait for the last round (killed only past ``timeout_s``)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            log.error("click mover: no exit %.0f s after its pipe closed; killed", timeout_s)
            proc.kill()
            proc.wait()


def run(directory: Path, interval_s: float, engine: Engine, stop: threading.Event) -> int:
    """Stand by for the directory's mover lock, then move every ``interval_s`` until ``stop``
    is set; then one last round."""
    directory.mkdir(parents=True, exist_ok=True)
    lock_fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if stop.wait(interval_s):
                    return 0
        mover = ClickMover(engine, directory)
        while not stop.wait(interval_s):
            try:
                mover.move_once()
            except Exception:  # the segments keep the clicks; the next round retries
                log.exception("click mover: round failed, retrying")
        try:
            mover.move_once()
        except Exception:
            log.exception("click mover: last round failed; the segments keep the clicks")
            return 1
        return 0
    finally:
        os.close(lock_fd)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    os.nice(NICENESS)
    stop = threading.Event()

    def until_closed() -> None:
        sys.stdin.buffer.read()  # returns at end of file: the server closed the pipe or died
        stop.set()

    threading.Thread(target=until_closed, name="server pipe", daemon=True).start()
    engine = make_engine(os.environ.pop(URL_ENV))
    heap.settle()
    try:
        return run(Path(argv[1]), float(argv[2]), engine, stop)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

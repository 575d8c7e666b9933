"""The click mover's own process, on every store backend: it moves while the server runs, makes
a last round when the server stops it or dies, and one of several stands by for another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import select

from factories import click, write_all
from seedtrail.links import moverproc
from seedtrail.links.moverproc import MoverProcess
from seedtrail.links.segment import ClickSegment
from seedtrail.store.schema import clicks
from seedtrail.store.store import Store

SRC = Path(moverproc.__file__).resolve().parents[2]


def stored(store: Store) -> int:
    with store.read() as conn:
        return len(conn.execute(select(clicks.c.click_id)).all())


def wait_for(store: Store, n: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while (got := stored(store)) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    return got


def test_the_last_round_on_stop_moves_everything(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    mover = MoverProcess(store.engine, directory, interval_s=60.0)  # no round before the stop
    mover.start()
    write_all(ClickSegment(directory), [click(i) for i in range(40)])
    assert stored(store) == 0
    mover.stop()
    assert stored(store) == 40 and not list(directory.glob("*.seg"))


def test_a_standby_mover_takes_over(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    first, second = (MoverProcess(store.engine, directory, interval_s=0.1) for _ in range(2))
    first.start()
    second.start()
    try:
        write_all(ClickSegment(directory), [click(i) for i in range(20)])
        assert wait_for(store, 20) == 20
        first.stop()  # whichever held the lock, one is left to move
        write_all(ClickSegment(directory), [click(i) for i in range(20, 50)])
        assert wait_for(store, 50) == 50
    finally:
        first.stop()
        second.stop()


SERVER = """
import sys, time
from pathlib import Path
from sqlalchemy import create_engine
from seedtrail.links.moverproc import MoverProcess
mover = MoverProcess(create_engine({url!r}), Path({directory!r}), interval_s=60.0)
mover.start()
print(mover.proc.pid, flush=True)
time.sleep(600)
"""


def test_the_mover_makes_a_last_round_when_its_server_dies(store: Store, tmp_path: Path) -> None:
    directory = tmp_path / "clicks"
    url = store.engine.url.render_as_string(hide_password=False)
    script = SERVER.format(url=url, directory=str(directory))
    env = dict(os.environ, PYTHONPATH=str(SRC))
    server = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, env=env
    )
    assert server.stdout is not None
    mover_pid = int(server.stdout.readline())
    write_all(ClickSegment(directory), [click(i) for i in range(30)])
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    server.stdout.close()
    assert wait_for(store, 30) == 30  # its pipe closed: a last round, then it ends
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(mover_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the mover outlived its server")

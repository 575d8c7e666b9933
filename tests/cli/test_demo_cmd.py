"""`seedtrail demo` writes where it is told and never deletes data it did not create."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from seedtrail.cli.demo_cmd import MARKER, prepare
from seedtrail.core.errors import InvalidInput


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedtrail", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_the_demo_honours_the_global_data_dir(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    out = run("--data-dir", str(target), "demo", "--no-world", "--no-serve", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (target / "seedtrail.db").exists() and (target / MARKER).exists()
    assert not (tmp_path / ".seedtrail").exists()  # nothing written to the default place


def test_a_folder_with_other_data_is_refused_and_left_whole(tmp_path: Path) -> None:
    server = tmp_path / "server"
    server.mkdir()
    (server / "seedtrail.db").write_text("a running server's data")
    out = run("demo", "--data-dir", str(server), "--no-world", "--no-serve", cwd=tmp_path)
    assert out.returncode == 2
    assert "not an earlier demo" in out.stderr and "Traceback" not in out.stderr
    assert (server / "seedtrail.db").read_text() == "a running server's data"
    with pytest.raises(InvalidInput, match="not an earlier demo"):
        prepare(server, keep=False)


def test_an_earlier_demo_is_replaced_and_a_given_empty_folder_kept(tmp_path: Path) -> None:
    own = tmp_path / "own"
    prepare(own, keep=False)  # the demo creates it
    (own / "old.db").write_text("x")
    prepare(own, keep=False)
    assert own.is_dir() and not (own / "old.db").exists() and (own / MARKER).exists()

    given = tmp_path / "given"
    given.mkdir()
    prepare(given, keep=False)  # an empty folder the user made: used, never removed
    (given / "old.db").write_text("x")
    prepare(given, keep=False)
    assert given.is_dir() and not (given / "old.db").exists()
    (given / "kept.db").write_text("y")
    prepare(given, keep=True)
    assert (given / "kept.db").exists()


def test_the_demo_then_serves_its_dashboard(tmp_path: Path) -> None:
    """The README's demo ends by serving the dashboard (until Ctrl-C)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_")}
    env["SEEDTRAIL_PORT"] = str(port)
    cmd = [sys.executable, "-m", "seedtrail", "--data-dir", str(tmp_path / "d"), "demo"]
    out, errors = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as stdout, errors.open("wb") as stderr:  # a pipe nobody reads fills up
        proc = subprocess.Popen(
            [*cmd, "--no-world"],
            env=env,
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        answered = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert proc.poll() is None, errors.read_text()[-2000:]
        assert answered == 200
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=60)
    err = errors.read_text()
    assert "internal error" not in err and "Traceback" not in err

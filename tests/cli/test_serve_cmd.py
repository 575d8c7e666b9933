"""``seedtrail serve``: a redirect port already taken is refused before any server starts, with
the port named and no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_taken_redirect_port_is_refused_up_front(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_")}
    env.update(PYTHONPATH=str(SRC), SEEDTRAIL_DATA_DIR=str(tmp_path), LANG="C.UTF-8")
    env["SEEDTRAIL_LANG"] = "en"
    subprocess.run(
        [sys.executable, "-m", "seedtrail", "init"], env=env, check=True, capture_output=True
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "seedtrail",
                "serve",
                "--port",
                "0",
                "--redirect-port",
                str(port),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 cannot be opened" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_an_unknown_interface_is_refused_before_serving_is_announced(tmp_path: Path) -> None:
    """It said "serving on http://…" first, then "Invalid value: …" (English on a zh-CN run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDTRAIL_")}
    env.update(PYTHONPATH=str(SRC), SEEDTRAIL_DATA_DIR=str(tmp_path), SEEDTRAIL_LANG="zh-CN")
    serve = [sys.executable, "-m", "seedtrail", "serve", "--interface", "wsgi"]
    subprocess.run([*serve[:3], "init"], env=env, check=True, capture_output=True)
    done = subprocess.run(serve, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert done.stderr.strip() == "错误：--interface 只能是 rsgi, asgi 之一，不能是 'wsgi'"

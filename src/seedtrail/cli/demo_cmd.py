"""``seedtrail demo``: one command that shows seedtrail working on embedded defaults."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import typer

from seedtrail.cli.context import console, lang, state
from seedtrail.core.errors import InvalidInput
from seedtrail.core.settings import Settings, load_settings
from seedtrail.messages import Msg

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

DEFAULT_DIR = Path(".seedtrail/demo")
MARKER = ".seedtrail-demo"


def prepare(data_dir: Path, *, keep: bool) -> None:
    """Make ``data_dir`` ready for a demo. A folder an earlier demo wrote (it holds the demo's
    marker) is cleared, and removed only if that demo created it; an empty or missing folder is
    used; any other folder is refused, so that no command deletes data it did not create."""
    marker = data_dir / MARKER
    if data_dir.exists() and not data_dir.is_dir():
        raise InvalidInput(Msg("problem.invalid-input.demo_dir_file", {"path": str(data_dir)}))
    if data_dir.is_dir() and any(data_dir.iterdir()):
        if not marker.exists():
            raise InvalidInput(Msg("problem.invalid-input.demo_dir_taken", {"path": str(data_dir)}))
        if keep:
            return
        created = json.loads(marker.read_text("utf-8")).get("created_dir", False)
        if created:
            shutil.rmtree(data_dir)
        else:
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            marker.write_text(json.dumps({"created_dir": False}), "utf-8")
            return
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"created_dir": created}), "utf-8")


@app.command()
def demo(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None,
        help="Where the demo's data lives (default: the global --data-dir, else "
        ".seedtrail/demo). An earlier demo's data there is replaced; any other data is refused.",
    ),
    keep: bool = typer.Option(False, help="Keep an existing demo data directory."),
    scale: str = typer.Option(
        "demo", "--scale", help="World size: tiny, demo, small, medium (or a spec file)."
    ),
    world: bool = typer.Option(
        True, "--world/--no-world", help="Simulate a community and run it end to end first."
    ),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Then serve the dashboard until Ctrl-C."
    ),
) -> None:
    """Simulate a community, run it through seedtrail end to end (intake, attribution, clean room,
    integrity, cases), tour the click redirect, then serve the dashboard."""
    from seedtrail.demo import tour as demo_mod

    st = state(ctx)
    data_dir = data_dir or st.data_dir or DEFAULT_DIR
    prepare(data_dir, keep=keep)
    settings = load_settings(
        st.config_file,
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / 'seedtrail.db').resolve()}",
    )
    demo_mod.run(settings, console, world_scale=scale if world else None, lang=lang())
    if serve:
        _serve(settings, st.config_file)


def _serve(settings: Settings, config_file: Path | None) -> None:
    """Become ``seedtrail serve`` on what the demo built: a fresh process image, since the
    server forks its workers, and a fork of this process (its stores, pools and threads) could
    deadlock in the child."""
    argv = [sys.executable, "-m", "seedtrail"]
    if config_file is not None:
        argv += ["--config", str(config_file)]
    argv += ["--data-dir", str(settings.data_dir), "--database-url"]
    argv += [settings.effective_database_url, "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(settings.port)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 (this interpreter, no shell)

"""``seedtrail demo``: one command that shows seedtrail working on embedded defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from seedtrail.cli.context import console, state
from seedtrail.cli.main import app
from seedtrail.settings import load_settings


@app.command()
def demo(
    ctx: typer.Context,
    data_dir: Path = typer.Option(
        Path(".seedtrail/demo"), help="Where the demo's data lives (recreated on each run)."
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
    from seedtrail import demo as demo_mod

    st = state(ctx)
    if data_dir.exists() and not keep:
        shutil.rmtree(data_dir)
    settings = load_settings(
        st.config_file,
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / 'seedtrail.db').resolve()}",
    )
    demo_mod.run(settings, console, world_scale=scale if world else None)
    if serve:
        from seedtrail.cli.links_cmd import serve as serve_cmd

        st.use(settings)  # serve what the demo built
        serve_cmd(ctx, host="127.0.0.1", port=settings.port, workers=1)

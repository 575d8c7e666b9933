"""Docs checked against the code: every file the README or a doc links to exists, and every
command the README names is a command of the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from seedtrail.cli.main import _register, app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_linked_file_exists() -> None:
    missing = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)\)", doc.read_text("utf-8")):
            if "://" in target:
                continue
            if not (doc.parent / target).exists() and not (ROOT / target).exists():
                missing.append(f"{doc.relative_to(ROOT)} → {target}")
    assert not missing, missing


def test_commands_in_the_readme_exist() -> None:
    _register()
    groups = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    text = (ROOT / "README.md").read_text("utf-8")
    named = set(re.findall(r"`seedtrail ([a-z][a-z-]+)", text))
    assert named, "the README names no command"
    assert named <= groups, named - groups


def test_the_attribution_api_table_matches_the_routes(tmp_path: Path) -> None:
    """docs/attribution-reports.md lists exactly the attribution endpoints the app serves."""
    from seedtrail.api.app import create_app
    from seedtrail.settings import Settings

    text = (ROOT / "docs" / "attribution-reports.md").read_text("utf-8")
    documented = {
        path.split("?")[0] for path in re.findall(r"^\| `(/attribution/[^`]*)`", text, flags=re.M)
    }
    app = create_app(Settings(data_dir=tmp_path))
    served = {
        p.replace("{ident}", "{id}")
        for p in app.api.openapi()["paths"]
        if p.startswith("/attribution/")
    }
    assert documented == served

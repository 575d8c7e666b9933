"""Docs checked against the code: every file the README or a doc links to exists, and every
command the README names is a command of the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from seedtrail.cli.main import app

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
    groups = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    text = (ROOT / "README.md").read_text("utf-8")
    named = set(re.findall(r"`seedtrail ([a-z][a-z-]+)", text))
    assert named, "the README names no command"
    assert named <= groups, named - groups


def _missing_subcommands(root: Any, words: list[list[str]], path: list[str]) -> list[str]:
    """Each word is a list of alternatives (``create|list``); every path through them that
    names a group must name one of its sub-commands."""
    commands = getattr(root, "commands", None)  # a group (Typer vendors its own click)
    if not words or commands is None:
        return []
    missing = []
    for alt in words[0]:
        sub = commands.get(alt)
        if sub is None:
            missing.append(" ".join([*path, alt]))
        else:
            missing += _missing_subcommands(sub, words[1:], [*path, alt])
    return missing


def test_subcommands_in_the_readme_and_docs_exist() -> None:
    """`seedtrail mounts create|list|show|status` in a doc: each alternative is a sub-command
    (the README once promised `mounts update`, which the CLI never had)."""
    root = typer.main.get_command(app)
    missing, seen = [], 0
    for doc in DOCS:
        text = doc.read_text("utf-8").replace("\\|", "|").replace("|\n", "|")
        for match in re.finditer(r"`seedtrail((?: [a-z][a-z0-9|-]*)+)", text):
            seen += 1
            words = [w.split("|") for w in match.group(1).split()]
            missing += [f"{doc.relative_to(ROOT)}: seedtrail {m}" for m in
                        _missing_subcommands(root, words, [])]  # fmt: skip
    assert seen > 20, seen
    assert not missing, missing


def test_the_attribution_api_table_matches_the_routes(tmp_path: Path) -> None:
    """docs/attribution-reports.md lists exactly the attribution endpoints the app serves."""
    from seedtrail.api.app import create_app
    from seedtrail.core.settings import Settings

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

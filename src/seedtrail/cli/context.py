"""State shared by CLI commands: settings loaded once per invocation, the debug flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console

from seedtrail import messages
from seedtrail.core.settings import Settings, load_settings
from seedtrail.store.store import Store


@dataclass
class CliState:
    config_file: Path | None = None
    data_dir: Path | None = None
    database_url: str | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(
                self.config_file, data_dir=self.data_dir, database_url=self.database_url
            )
        return self._settings


console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def lang() -> str:
    """The terminal's language (SEEDTRAIL_LANG, LC_ALL, LC_MESSAGES, LANG; else English)."""
    return messages.from_environment()


def cli_msg(key: str, /, **fields: object) -> str:
    """A CLI message in the terminal's language."""
    return messages.translate(lang(), key, **fields)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, CliState):
        obj = CliState()
        root.obj = obj
    return obj


def open_store(source: typer.Context | Settings, *, check: bool = True) -> Store:
    """The store of this invocation (from the command's context, or from settings a command
    adjusted), checked to be migrated unless ``check`` is false: a command that needs a ready
    store neither creates one (a data directory that does not exist stays so) nor runs on an
    old one; ``init`` (``check=False``) creates it. ``with open_store(ctx) as store:`` disposes
    of it at the end; a one-off ``open_store(ctx).read()`` needs no ``with``."""
    settings = source if isinstance(source, Settings) else state(source).settings
    store = Store.from_settings(settings, create=not check)
    if check:
        try:
            store.ensure_current()
        except BaseException:
            store.dispose()
            raise
    return store

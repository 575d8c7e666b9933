"""The :class:`Store`: an engine plus transactions, and listeners told about policy changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url

from seedtrail.core.errors import StoreError
from seedtrail.core.settings import DB_FILE, Settings
from seedtrail.messages import Msg
from seedtrail.store import migrate
from seedtrail.store.db import READ_ONLY, make_engine, sqlite_file


def no_data(url: URL) -> StoreError:
    """No seedtrail data at ``url``: named by its data directory (the folder of a SQLite file
    with the default name), its file, or the URL without its password."""
    file = sqlite_file(url)
    if file is None:
        where = url.render_as_string(hide_password=True)
    else:
        where = str(file.parent if file.name == DB_FILE else file)
    return StoreError(Msg("problem.store-error.no_data", {"where": where}))


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._policy_listeners: list[Callable[[], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> Store:
        """The configured store; unless ``create``, a SQLite file that does not exist is refused
        (no data there) rather than created, with its folder, by the first connection."""
        url = settings.effective_database_url
        file = sqlite_file(url)
        if not create and file is not None and not file.exists():
            raise no_data(make_url(url))
        return cls(make_engine(url))

    def on_policy_change(self, listener: Callable[[], None]) -> None:
        self._policy_listeners.append(listener)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; committed on success. Policy listeners run after the commit."""
        with self.engine.begin() as conn:
            yield conn
            changed = conn.info.pop("policy_changed", False)
        if changed:
            for listener in self._policy_listeners:
                listener()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading. On SQLite its transaction is deferred (a plain ``BEGIN``), so
        a read never takes, or waits for, the write lock."""
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            yield conn

    def ensure_current(self) -> None:
        """Refuse to run on a schema that ``seedtrail init`` has not created or upgraded."""
        current, head = migrate.current_revision(self.engine), migrate.head_revision(self.engine)
        if current is None:
            raise no_data(self.engine.url)
        if current != head:
            raise StoreError(Msg("problem.store-error.schema", {"current": current, "head": head}))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def dispose(self) -> None:
        self.engine.dispose()

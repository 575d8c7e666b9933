"""Shared fixtures. Store-backed tests run on SQLite and on PostgreSQL (each test gets its own
schema there). The PostgreSQL variants are always collected: without
SEEDTRAIL_TEST_POSTGRES_URL they are skipped, counted, and named at the end of the run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from seedtrail.api.app import create_app
from seedtrail.core.settings import Settings, load_settings
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.store import Store

PG_URL = os.environ.get("SEEDTRAIL_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL variant: SEEDTRAIL_TEST_POSTGRES_URL is not set"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres", marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_SKIP)]
    ),
]


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly how many PostgreSQL variants did not run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "postgres" in r.keywords]
    if skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(skipped)} PostgreSQL variant(s) skipped: set SEEDTRAIL_TEST_POSTGRES_URL "
            "(or run .ci/run) to run them",
            yellow=True,
            bold=True,
        )


#: Session fixtures that are costly to build (a served store, a simulated world, a Spark session):
#: under pytest-xdist (``scripts/test`` runs ``-n auto --dist loadgroup``) every test that uses
#: one runs on the same worker, so each is built once per run, not once per worker.
SHARED_FIXTURES = ("sim_site", "site")


def pytest_configure(config: pytest.Config) -> None:
    """The CLI's rich consoles take their width from COLUMNS when first imported: pytest-xdist's
    workers inherit COLUMNS=80 (and a developer's shell its own width), so the CLI's output
    would wrap at a width the tests never chose. Tests that need a width set COLUMNS themselves."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group tests for pytest-xdist's ``loadgroup``: by the costly session fixture they use, else
    by file (module fixtures are then built once, as without xdist). First: xdist's worker reads
    the groups in its own hook of the same name, registered after this file (so called before it
    unless this one goes first). Without xdist (``-p no:xdist``) there is nothing to group, and
    its marker is not registered."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = item.nodeid.split("::")[0]
        names = getattr(item, "fixturenames", ())
        group = next((name for name in SHARED_FIXTURES if name in names), None)
        if group is None and item.get_closest_marker("spark") is not None:
            group = "spark"
        if group is None and "world" in names and path.startswith("tests/sim/"):
            group = "sim-world"
        item.add_marker(pytest.mark.xdist_group(group or path))


def pytest_collection_finish(session: pytest.Session) -> None:
    """On a pytest-xdist worker under ``--dist loadgroup``, every test must carry its group:
    a pytest or xdist release that loses the groups (pytest-dev/pytest-xdist#1386) fails the run
    here instead of silently building every costly fixture on every worker."""
    if getattr(session.config, "workerinput", None) is None:
        return
    if not getattr(session.config.option, "loadgroup", False) or not session.items:
        return
    lost = [item.nodeid for item in session.items if "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist lost the loadgroup group of {len(lost)} tests (first: {lost[0]}): "
            "use the pytest version pyproject.toml's dev extra allows"
        )


@pytest.fixture(autouse=True)
def _clean_seedtrail_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's own SEEDTRAIL_* settings (except the test PG URL)."""
    for key in list(os.environ):
        if key.startswith("SEEDTRAIL_") and key != "SEEDTRAIL_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)


def _pg_store() -> Iterator[Store]:
    assert PG_URL
    schema = f"st_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # the schema in the URL itself: processes a server starts (its click mover) connect by URL
    engine = make_engine(f"{PG_URL}?options={quote(f'-csearch_path={schema}')}")
    try:
        yield Store(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with no schema yet, on each backend."""
    if request.param == "postgres":
        yield from _pg_store()
    else:
        store = Store(make_engine(f"sqlite:///{tmp_path / 'seedtrail.db'}"))
        yield store
        store.dispose()


@pytest.fixture
def store(empty_store: Store) -> Store:
    migrate.upgrade(empty_store.engine)
    return empty_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path,
        redirect_rate_per_s=1000.0,
        redirect_rate_burst=1000,
        policy_refresh_s=0.0,
        click_log="store",
    )


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store)) as tc:
        yield tc

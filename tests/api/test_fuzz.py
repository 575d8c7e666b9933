"""Property-based fuzzing of the whole API (schemathesis, in process through ASGI): every
operation of ``/openapi.json``, with each role's key, never answers a server error, and every
error it answers is a problem document. The counts (operations, requests, failures) are
printed at the end of the session, for the record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from factories import World, build_world
from seedtrail.api.app import create_app
from seedtrail.core.settings import load_settings
from seedtrail.store import migrate
from seedtrail.store.db import make_engine
from seedtrail.store.store import Store

ROLES = ("operator", "brand", "creator", "moderator", "partner")
MAX_EXAMPLES = 8  # per operation, each sent with every role's key


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, World]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    store = Store(make_engine(f"sqlite:///{tmp / 'seedtrail.db'}"))
    migrate.upgrade(store.engine)
    world = build_world(store)
    app = create_app(
        load_settings(data_dir=tmp, redirect_rate_per_s=1e6, redirect_rate_burst=10**6), store=store
    )
    yield app, world
    store.dispose()


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    counts: dict[str, Any] = {"operations": set(), "requests": 0, "failures": []}
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"API fuzzing: {len(counts['operations'])} operations x {len(ROLES)} roles, "
        f"{counts['requests']} requests, {len(counts['failures'])} server errors"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
            reporter.ensure_newline()
            reporter.write_line(line)


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors(fuzz_world: tuple[Any, World], tally: dict[str, Any]) -> None:
    """Each generated request (``MAX_EXAMPLES`` per operation) is sent with every role's key."""
    app, world = fuzz_world
    operations = _operations(app)
    assert len(operations) > 50  # the whole API, not a corner of it

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            for role in ROLES:
                response = case.call(headers={"Authorization": f"Bearer {world.keys[role]}"})
                tally["requests"] += 1
                where = (role, case.method, case.formatted_path, response.status_code)
                if response.status_code >= 500:
                    tally["failures"].append(where)
                assert response.status_code < 500, (*where, response.text[:300])
                if response.status_code >= 400:
                    kind = response.headers.get("content-type", [""])[0]
                    assert kind.startswith("application/problem+json"), (*where, kind)

        tally["operations"].add(f"{operation.method.upper()} {operation.path}")
        fuzz()

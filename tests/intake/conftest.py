"""A migrated store with one partner (two active secrets) and an operator key: SQLite, and also
PostgreSQL (a fresh database per test) when SEEDTRAIL_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from seedtrail.api.app import create_app
from seedtrail.cli.main import main
from seedtrail.core import principals
from seedtrail.core.principals import Principal
from seedtrail.core.settings import Settings, load_settings
from seedtrail.links import partners
from seedtrail.store import migrate
from seedtrail.store.store import Store

ROOT = Principal(0, "test", "operator")


@dataclass
class World:
    settings: Settings
    store: Store
    partner_id: int
    slug: str
    secrets: list[bytes]  # newest first
    operator_key: str

    def rotate(self) -> bytes:
        with self.store.transaction() as conn:
            secret = partners.rotate_secret(conn, ROOT, self.partner_id)["secret"].encode()
        self.secrets.insert(0, secret)
        return secret

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        """Run ``seedtrail ARGS`` on this world's data dir and store: exit code, stdout, stderr."""
        db = ["--database-url", self.settings.database_url] if self.settings.database_url else []
        try:
            main(["--data-dir", str(self.settings.data_dir), *db, *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err


def make_world(tmp: Path, **overrides: object) -> World:
    settings = load_settings(data_dir=tmp, partner_key_cache_s=0, **overrides)
    store = Store.from_settings(settings)
    migrate.upgrade(store.engine)
    with store.transaction() as conn:
        row = partners.RESOURCE.repo.insert(
            conn,
            {
                "slug": "tmall-shop",
                "name": "天猫 shop",
                "kind": "web_shop",
                "allowed_hosts": ["shop.example"],
                "declared_sample_rate": 0.5,
                "links_enabled": True,
            },
        )
        _, key = principals.create(conn, name="ops", role="operator")
    world = World(settings, store, row["id"], row["slug"], [], key)
    world.rotate()
    world.rotate()
    return world


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    base = os.environ.get("SEEDTRAIL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SEEDTRAIL_TEST_POSTGRES_URL is not set")
    url = make_url(base)
    name = f"seedtrail_intake_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with _database(request.param) as url:
        w = make_world(tmp_path, database_url=url)
        yield w
        w.store.dispose()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    app = create_app(world.settings, store=world.store)
    with TestClient(app) as c:
        yield c
        st = getattr(app.api.state, "intake", None)
        if st is not None:
            st.inbox.stop()

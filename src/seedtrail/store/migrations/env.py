"""Alembic environment: the engine comes from seedtrail (``config.attributes['engine']``)."""

from __future__ import annotations

from alembic import context

from seedtrail.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()

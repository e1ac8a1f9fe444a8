"""Alembic environment: always run against the connection :mod:`cms.store` hands over."""

from __future__ import annotations

from alembic import context

from cms.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic` command
    raise RuntimeError("run migrations through `newsroom init`, which opens the store")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

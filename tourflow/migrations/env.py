"""Alembic environment: sync psycopg connection, metadata from domain.models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from domain.db import to_sqlalchemy_url
from domain.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run against `sqlalchemy.url` (set by tourflow.migrate or alembic.ini users)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = to_sqlalchemy_url(config.get_main_option("sqlalchemy.url") or "")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `tourflow migrate`")
run_migrations_online()

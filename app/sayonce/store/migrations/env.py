"""Alembic environment: run migrations on the engine handed over by sayonce.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sayonce.store import Base
from sayonce.store.migrations.env_filters import include_object

config = context.config
# No fileConfig(): the app's logging configuration is not Alembic's to replace.


def run() -> None:
    """Run the migrations in one transaction on the configured engine."""
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` CLI use, for writing new revisions
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            include_object=include_object,
            transactional_ddl=True,
            compare_type=True,
        )
        context.run_migrations()


run()

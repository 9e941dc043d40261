"""Alembic migrations at start: back up SQLite first, refuse newer databases, never half-migrate."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sayonce.store.engine import Store, make_engine
from sayonce.store.errors import MigrationError, NewerDatabaseError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
# Alembic is imported inside the functions: it costs a few hundred milliseconds, which the
# window should not wait for before it appears.


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    # Located through importlib.resources so it works from a wheel and a frozen bundle alike.
    location = resources.files("sayonce.store") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(location))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str:
    """The newest revision this SayOnce knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def _backup_sqlite(engine: Engine, revision: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    source = Path(database)
    if not source.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.name}.{revision}.{stamp}.bak")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    log.info("backed up %s to %s before upgrading", source, target)
    return target


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision in one transaction; return that revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    try:
        current = current_revision(engine)
    except Exception as exc:
        raise StoreError(f"Cannot open the database {engine.url!r}: {exc}") from exc
    if current == head:
        return head
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise NewerDatabaseError(
                f"This database (schema {current}) was written by a newer SayOnce than this one "
                f"(which knows up to {head}). Install the newer SayOnce, or point --db at "
                "another database."
            ) from exc
        if engine.dialect.name == "sqlite":
            _backup_sqlite(engine, current)
    try:
        command.upgrade(config, "head")
    except Exception as exc:
        raise MigrationError(
            f"Upgrading the database schema from {current or 'empty'} to {head} failed and was "
            f"rolled back, so the database is as it was: {exc}"
        ) from exc
    return head


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the database at ``url``."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine)

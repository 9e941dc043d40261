"""One engine per process, short sessions, and the SQLite pragmas that keep data safe."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from sayonce.store.errors import ConcurrentEditError, DatabaseURLError, DataDirError

SQLITE_BUSY_TIMEOUT_MS = 10_000
BEGIN_ATTEMPTS = 4


def parse_url(url: str) -> URL:
    """Parse a SQLAlchemy URL, or raise :class:`DatabaseURLError` saying what is expected."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(
            f"Cannot understand the database URL {url!r}. Use a SQLAlchemy URL such as "
            "sqlite:///path/to/sayonce.sqlite3 or "
            "postgresql+psycopg://user:password@host:5432/sayonce (--db or SAYONCE_DATABASE_URL)."
        ) from exc
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseURLError(
            f"Unsupported database {parsed.get_backend_name()!r} in {url!r}: SayOnce runs on "
            "SQLite (one workstation) or PostgreSQL (many workstations)."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _prepare_sqlite_path(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).expanduser().resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"Cannot create the data folder {folder}: {exc.strerror}. Choose a writable place "
            "with SAYONCE_DATA_DIR or pass --db sqlite:///some/writable/file.sqlite3."
        ) from exc
    if not os.access(folder, os.W_OK):
        raise DataDirError(
            f"The data folder {folder} is not writable. Choose a writable place with "
            "SAYONCE_DATA_DIR or pass --db sqlite:///some/writable/file.sqlite3."
        )


def _install_sqlite_listeners(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so DDL is transactional
        # (a failed migration rolls back whole) and BEGIN IMMEDIATE is possible for writers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        # Nothing is written before BEGIN succeeds, so a busy database can be waited out here
        # safely; beyond the busy timeout, a few more tries absorb bursts of many writers.
        for attempt in range(BEGIN_ATTEMPTS):
            try:
                connection.exec_driver_sql(f"BEGIN {mode}")
                return
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == BEGIN_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the process's engine for ``url`` with safe defaults for each backend."""
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            _prepare_sqlite_path(parsed)
            engine = create_engine(parsed, **kwargs)
            _install_sqlite_listeners(engine)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            kwargs.setdefault("connect_args", {"connect_timeout": 5})
            engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseURLError(f"No driver for {parsed.drivername!r}: {exc}") from exc
    return engine


class Store:
    """The database: one engine, and short-lived sessions for each unit of work."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine (see :func:`sayonce.store.open_store`)."""
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer_bind = (
            engine.execution_options(sqlite_begin="IMMEDIATE")
            if engine.dialect.name == "sqlite"
            else engine
        )
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed.

        Closing it (without expiring) leaves loaded objects usable, detached, as snapshots.
        """
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back whole on any error.

        On SQLite it starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the busy
        timeout instead of failing half-way; stale optimistic versions raise
        :class:`ConcurrentEditError`.
        """
        with self._writer() as session:
            try:
                yield session
                session.commit()
            except StaleDataError as exc:
                session.rollback()
                raise ConcurrentEditError(
                    "Someone else changed this record since you opened it; reload and retry."
                ) from exc
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

"""Bulk loading: DBAPI ``executemany`` inserts in big batches, on SQLite and PostgreSQL.

On SQLite, each batch's transaction lifts the full-text insert trigger, inserts, indexes the
batch's interactions with one ``INSERT ... SELECT`` and puts the trigger back: half the cost
of firing the trigger per row, and because SQLite DDL is transactional, a crash mid-load can
never leave the database without its trigger. The trigger SQL is the migration's own.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Numeric, Table, func, insert, select, text
from sqlalchemy.engine import Connection

from sayonce.demo.rows import TABLES, Ids, Row, Rows
from sayonce.store import Agent, Base, Customer, Interaction, MetaValue, Store, UTCDateTime
from sayonce.store.errors import StoreError

META_PREFIX = "demo."
FTS_INSERT_TRIGGER = "interactions_fts_ai"


def fulltext_insert_trigger() -> str:
    """The migration's own ``CREATE TRIGGER`` statement that indexes new interactions."""
    # The module name starts with a digit, so it can only be imported by name.
    migration = importlib.import_module("sayonce.store.migrations.versions.0002_fulltext")
    statements: list[str] = migration.SQLITE_UP
    return next(s for s in statements if f"CREATE TRIGGER {FTS_INSERT_TRIGGER} " in s)


class DemoRefused(StoreError):
    """The database already holds data, so the demo will not write into it."""


def table(name: str) -> Table:
    """The schema's table called ``name``."""
    return Base.metadata.tables[name]


@dataclass(frozen=True, slots=True)
class BulkInsert:
    """A plain DBAPI ``executemany`` insert into one table, and how to prepare its rows.

    SQLAlchemy's per-row parameter processing costs more than the insert itself at this
    volume, so rows go straight to the driver: with the schema's column defaults filled in,
    and, on SQLite, datetimes, dates and decimals stored exactly as SQLAlchemy stores them.
    """

    sql: str
    defaults: dict[str, Any]
    datetimes: tuple[str, ...]
    to_text: tuple[str, ...]  # dates (ISO text) on SQLite
    to_float: tuple[str, ...]  # decimals on SQLite

    @classmethod
    def build(cls, target: Table, sample: Row, sqlite: bool) -> BulkInsert:
        """Prepare inserts of rows shaped like ``sample`` into ``target``."""
        defaults = {}
        for column in target.columns:
            if column.name in sample or column.default is None:
                continue
            default = column.default
            defaults[column.name] = (
                default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
            )
        names = [*sample, *defaults]
        marker = ":{}" if sqlite else "%({})s"
        values = ", ".join(marker.format(n) for n in names)
        # identifiers come from the schema's own Table, never from input
        sql = f"INSERT INTO {target.name} ({', '.join(names)}) VALUES ({values})"  # noqa: S608
        columns = [target.c[n] for n in names]
        if not sqlite:
            return cls(sql, defaults, (), (), ())
        return cls(
            sql,
            {k: _sqlite_value(v) for k, v in defaults.items()},
            tuple(c.name for c in columns if isinstance(c.type, UTCDateTime)),
            tuple(c.name for c in columns if isinstance(c.type, Date)),
            tuple(c.name for c in columns if isinstance(c.type, Numeric) and c.type.asdecimal),
        )

    def rows(self, batch: list[Row]) -> list[Row]:
        """``batch`` with defaults added and values converted (in place)."""
        defaults, datetimes = self.defaults, self.datetimes
        for row in batch:
            if defaults:
                row.update(defaults)
            for name in datetimes:
                value = row[name]
                if value is not None:
                    row[name] = _sqlite_datetime(value)
            for name in self.to_text:
                if row[name] is not None:
                    row[name] = row[name].isoformat()
            for name in self.to_float:
                if row[name] is not None:
                    row[name] = float(row[name])
        return batch


def _sqlite_datetime(value: datetime) -> str:
    """Naive UTC text, the format SQLAlchemy's SQLite ``DateTime`` writes (sorts correctly)."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a timezone")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_value(value: Any) -> Any:
    """A default value as SQLite stores it."""
    if isinstance(value, datetime):
        return _sqlite_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class BulkWriter:
    """Writes batches of demo rows into one store."""

    def __init__(self, store: Store) -> None:
        """Write into ``store`` (checked to be empty by :meth:`check_empty`)."""
        self.store = store
        self.sqlite = store.dialect == "sqlite"
        self.statements: dict[str, BulkInsert] = {}

    def check_empty(self) -> None:
        """Refuse a database that already holds customers or interactions."""
        with self.store.read() as session:
            customers = session.scalar(select(func.count()).select_from(Customer)) or 0
            interactions = session.scalar(select(func.count()).select_from(Interaction)) or 0
            seed = session.get(MetaValue, f"{META_PREFIX}seed")
        if customers or interactions:
            what = f"{customers:,} customers and {interactions:,} interactions"
            hint = (
                "It holds an earlier demo: add --replace to generate a new one in its place"
                if seed is not None and self.sqlite
                else "Point --db at a new, empty database"
            )
            raise DemoRefused(
                f"The database already holds {what}; the demo only writes into an empty "
                f"database, so nothing was changed. {hint}."
            )

    def first_ids(self) -> Ids:
        """Ids to hand out: after whatever each table already holds."""
        ids = Ids()
        with self.store.read() as session:
            for name in (*TABLES, "agents"):
                ids.next[name] = (session.scalar(select(func.max(table(name).c.id))) or 0) + 1
        return ids

    def ensure_agents(self, agents: Iterable[Mapping[str, str]]) -> dict[str, int]:
        """Create the demo agents that do not exist yet; return ``username -> id``."""
        wanted = list(agents)
        with self.store.write() as session:
            existing = {
                name: id_ for name, id_ in session.execute(select(Agent.username, Agent.id))
            }
            for agent in wanted:
                if agent["username"] not in existing:
                    row = Agent(**agent)
                    session.add(row)
                    session.flush()
                    existing[row.username] = row.id
        return {a["username"]: existing[a["username"]] for a in wanted}

    def write(self, rows: Rows) -> None:
        """Insert one batch in one transaction, table by table in foreign-key order."""
        with self.store.write() as session:
            cursor = session.connection().connection.cursor()
            try:
                if self.sqlite:
                    cursor.execute(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
                for name in TABLES:
                    batch = rows.tables[name]
                    if batch:
                        statement = self.statements.get(name) or self.prepare(name, batch[0])
                        cursor.executemany(statement.sql, statement.rows(batch))
                if self.sqlite:
                    index_fulltext(cursor, rows.tables["interactions"])
                    cursor.execute(fulltext_insert_trigger())
            finally:
                cursor.close()

    def prepare(self, name: str, sample: Row) -> BulkInsert:
        """The insert statement for ``name``'s rows (which all have ``sample``'s keys)."""
        statement = BulkInsert.build(table(name), sample, self.sqlite)
        self.statements[name] = statement
        return statement

    def finish(self) -> None:
        """Move id sequences past the ids we chose, and refresh the planner's statistics."""
        if not self.sqlite:
            with self.store.write() as session:
                reset_sequences(session.connection(), (*TABLES, "agents"))
        with self.store.engine.connect() as connection:
            # fresh statistics let the planner use the identity and timeline indexes at once
            connection.execute(text("ANALYZE"))
            connection.commit()

    def record_meta(self, values: Mapping[str, Any]) -> None:
        """Record ``demo.*`` values in the ``meta`` table (replacing earlier ones)."""
        with self.store.write() as session:
            write_meta(session.connection(), values)


def discard_sqlite_demo(store: Store) -> bool:
    """Delete an SQLite database that holds an earlier demo; ``False`` if it is empty.

    Refuses (:class:`DemoRefused`) anything else: a database with real data, or PostgreSQL.
    """
    with store.read() as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        seed = session.get(MetaValue, f"{META_PREFIX}seed")
    if not customers:
        return False
    database = store.engine.url.database
    if seed is None or store.dialect != "sqlite" or not database or database == ":memory:":
        raise DemoRefused(
            "--replace only deletes an SQLite database that holds an earlier demo; this one "
            "holds other data, so nothing was changed."
        )
    store.dispose()
    path = Path(database)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return True


def index_fulltext(cursor: Any, interactions: list[Row]) -> None:
    """Add a batch's interactions to the SQLite full-text index in one statement."""
    if interactions:
        first, last = interactions[0]["id"], interactions[-1]["id"]
        cursor.execute(
            "INSERT INTO interactions_fts(rowid, subject, body) "
            "SELECT id, subject, body FROM interactions WHERE id BETWEEN ? AND ?",
            (first, last),
        )


def reset_sequences(connection: Connection, names: Iterable[str]) -> None:
    """PostgreSQL: move each id sequence past the ids we chose ourselves."""
    for name in names:
        after = (connection.scalar(select(func.max(table(name).c.id))) or 0) + 1
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :after, false)"),
            {"name": name, "after": after},
        )


def write_meta(connection: Connection, values: Mapping[str, Any]) -> None:
    """Record ``demo.*`` values (replacing earlier ones)."""
    keys = [f"{META_PREFIX}{key}" for key in values]
    meta = table("meta")
    connection.execute(meta.delete().where(meta.c.key.in_(keys)))
    connection.execute(
        insert(meta),
        [
            {"key": f"{META_PREFIX}{key}", "value": v if isinstance(v, str) else json.dumps(v)}
            for key, v in values.items()
        ],
    )

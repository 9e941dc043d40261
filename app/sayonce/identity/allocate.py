"""Hand out primary keys before rows are written, so bulk inserts can link rows to each other.

Importers insert customers, interactions and their turns with one ``executemany`` each; the
turns need their interaction's id first. On PostgreSQL the ids come from the table's own
sequence (safe with any number of writers). On SQLite the importer holds the write lock
(``BEGIN IMMEDIATE``) for its whole transaction, so ``max(id) + 1`` onwards is free.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table


class IdAllocator:
    """Ids for new rows of any table, valid inside the caller's write transaction."""

    def __init__(self, session: Session) -> None:
        """Allocate for ``session`` (a ``Store.write()`` session)."""
        self._session = session
        self._next: dict[str, int] = {}

    def take(self, table: Table, count: int) -> list[int]:
        """``count`` unused ids for ``table``."""
        if count <= 0:
            return []
        if self._session.get_bind().dialect.name == "postgresql":
            return self._from_sequence(table, count)
        start = self._next.get(table.name)
        if start is None:
            highest = self._session.scalar(select(func.max(table.c.id)))
            start = int(highest or 0) + 1
        self._next[table.name] = start + count
        return list(range(start, start + count))

    def _from_sequence(self, table: Table, count: int) -> list[int]:
        rows = self._session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": count},
        )
        return sorted(int(row[0]) for row in rows)

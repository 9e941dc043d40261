"""Rows waiting to be bulk-inserted, and the ids handed out before they exist in the database.

Ids are assigned in Python, not by the database, so a batch of customers with their
interactions, turns and cases can reference each other and be inserted with plain
``executemany`` calls, table by table, in foreign-key order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Insert order: every table after the tables it references.
TABLES = (
    "customers",
    "identities",
    "cases",
    "interactions",
    "turns",
    "orders",
    "survey_responses",
    "loyalty_events",
    "campaign_events",
    "notes",
    "facts",
)

Row = dict[str, Any]


@dataclass(slots=True)
class Ids:
    """The next free id of each table (the database is empty or we start after its max)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        """A new id for ``table``."""
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


@dataclass(slots=True)
class Rows:
    """Rows of one batch, by table."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, row: Row) -> None:
        """Queue one row."""
        self.tables[table].append(row)

    def count(self, table: str) -> int:
        """Rows queued for ``table``."""
        return len(self.tables[table])

    def clear(self) -> None:
        """Forget every queued row (after they were written)."""
        for rows in self.tables.values():
            rows.clear()

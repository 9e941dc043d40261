"""What autogenerate compares: everything but the full-text machinery made by raw SQL."""

from __future__ import annotations

from typing import Any

FTS_NAMES = ("interactions_fts", "ix_interactions_fts")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Keep FTS5 tables and the PostgreSQL GIN index out of autogenerate comparisons."""
    return not (name is not None and name.startswith(FTS_NAMES))

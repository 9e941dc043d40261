"""What autogenerate compares: everything but what migrations make by raw SQL.

That is the full-text machinery (FTS5 tables, the PostgreSQL GIN index) and PostgreSQL's
``varchar_pattern_ops`` prefix indexes (migration 0005), which the models cannot describe.
"""

from __future__ import annotations

from typing import Any

FTS_NAMES = ("interactions_fts", "ix_interactions_fts")
PATTERN_INDEX_SUFFIX = "_prefix"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Keep the raw-SQL full-text objects and prefix indexes out of autogenerate comparisons."""
    if name is None:
        return True
    raw_sql = name.startswith(FTS_NAMES) or (
        type_ == "index" and name.endswith(PATTERN_INDEX_SUFFIX)
    )
    return not raw_sql

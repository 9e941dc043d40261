"""Full-text conditions on interactions: FTS5 on SQLite, a tsvector GIN index on PostgreSQL.

What a user types is never passed to the search engine's query language as is: it is cut into
words (letters and digits only), each matched as a prefix (search as you type), all required.
So quotes, ``*``, ``NEAR(`` or ``&`` in a search box are just characters, never syntax.
"""

from __future__ import annotations

import re
from typing import cast

from sqlalchemy import ColumnElement, Integer, text

from sayonce.store import Interaction

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
MAX_WORD_LENGTH = 64

# Must repeat the indexed expression of migration 0002_fulltext exactly, or PostgreSQL
# cannot use the GIN index.
_PG_VECTOR = (
    "to_tsvector('english', coalesce(interactions.subject, '') || ' ' || interactions.body)"
)


def words(query: str) -> list[str]:
    """The searchable words of ``query`` (at most :data:`MAX_WORDS`)."""
    found = [w[:MAX_WORD_LENGTH] for w in _WORD.findall(query) if w.strip("_")]
    return found[:MAX_WORDS]


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word as a quoted prefix, all required."""
    found = words(query)
    return " AND ".join(f'"{w}"*' for w in found) if found else None


def tsquery(query: str) -> str | None:
    """A PostgreSQL ``to_tsquery`` expression: every word as a prefix, all required."""
    found = words(query)
    return " & ".join(f"{w}:*" for w in found) if found else None


def interaction_match(dialect: str) -> ColumnElement[bool]:
    """Interactions whose subject or body match the words bound as ``:fts`` / ``:tsq``."""
    if dialect == "postgresql":
        return cast(ColumnElement[bool], text(f"{_PG_VECTOR} @@ to_tsquery('english', :tsq)"))
    matching = text("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH :fts")
    return Interaction.id.in_(matching.columns(rowid=Integer))


def search_params(query: str) -> dict[str, str] | None:
    """The bound values :func:`interaction_match` needs, or ``None`` when ``query`` has no words."""
    fts, tsq = fts5_query(query), tsquery(query)
    return None if fts is None or tsq is None else {"fts": fts, "tsq": tsq}

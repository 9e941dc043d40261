"""Full-text conditions on interactions: FTS5 on SQLite, a tsvector GIN index on PostgreSQL.

What a user types is never passed to the search engine's query language as is: it is cut into
words (letters and digits only), each matched as a prefix (search as you type), all required.
So quotes, ``*``, ``NEAR(`` or ``&`` in a search box are just characters, never syntax.

Both backends index the same words. FTS5's ``unicode61`` tokenizer splits at every punctuation
character. PostgreSQL's default parser does not: it reads ``A-10424`` as ``a`` and the signed
integer ``-10424``, ``ann.lee@example.com`` as one email token, ``12.50`` as one number (and,
under the ``C`` locale, glues ``’`` or ``“`` to the word next to them), so prefix terms built
from the typed words never met them. So PostgreSQL indexes the text with its punctuation (ASCII,
and typographic quotes, dashes, no-break spaces) turned into spaces (migration
``0006_fulltext_words``), and each typed word goes to ``to_tsquery`` as a quoted operand: the
same parser and dictionaries as the indexed text. ``A-10424``, ``a-104``, ``10424``,
``INV-2024-000123`` and ``didn't`` find the same interactions on both backends. Stop words
(``the``, ``a``) are not indexed on PostgreSQL, so a search made only of them finds no
interaction there.
"""

from __future__ import annotations

import re
from typing import cast

from sqlalchemy import ColumnElement, Integer, text

from sayonce.store import Interaction

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
MAX_WORD_LENGTH = 64

# Punctuation, by code point so that it means the same under every collation: ASCII, Latin-1's
# no-break space, "¡ « · » ¿", and the General Punctuation block (dashes, curly quotes ...).
_SEPARATORS = r"[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\xa0\xa1\xab\xb7\xbb\xbf\u2000-\u206f]"

# Must repeat the indexed expression of migration 0006_fulltext_words exactly, or PostgreSQL
# cannot use the GIN index (tests/test_history.py checks the plan).
_PG_VECTOR = (
    "to_tsvector('english', regexp_replace(coalesce(interactions.subject, '') || ' ' || "
    f"interactions.body, '{_SEPARATORS}', ' ', 'g'))"
)


def words(query: str) -> list[str]:
    """The searchable words of ``query`` (at most :data:`MAX_WORDS`)."""
    found = [w[:MAX_WORD_LENGTH] for w in _WORD.findall(query) if w.strip("_")]
    return found[:MAX_WORDS]


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word as a quoted prefix, all required."""
    found = words(query)
    return " AND ".join(f'"{w}"*' for w in found) if found else None


def _quoted(word: str) -> str:
    """``word`` as a quoted ``to_tsquery`` operand: quotes doubled, backslashes escaped."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query: str) -> str | None:
    """A PostgreSQL ``to_tsquery`` expression: every word as a prefix, all required.

    Each word is a quoted operand, so ``to_tsquery`` reads it with the same parser and
    dictionaries as the indexed text (stemmed, stop words dropped) and nothing in it is syntax.
    """
    found = words(query)
    return " & ".join(f"{_quoted(w)}:*" for w in found) if found else None


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

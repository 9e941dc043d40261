"""PostgreSQL: index the words of interactions the way FTS5 does, punctuation as a separator.

The default text search parser keeps punctuation inside tokens: ``A-10424`` is ``a`` and the
signed integer ``-10424``, ``INV-2024-000123`` is ``inv``, ``-2024``, ``-000123``,
``ann.lee@example.com`` is one email token and ``12.50`` one number; under the ``C`` locale it
also takes every non-ASCII character for a letter, so ``“refund”`` is one token. A search for
``10424``, ``a-104`` or ``refund`` could not match them, while SQLite's FTS5 (``unicode61``,
which splits at every punctuation character) found them. The GIN index now covers the text with
its punctuation turned into spaces: the 32 ASCII punctuation characters, Latin-1's no-break
space, ``¡ « · » ¿`` and the General Punctuation block (U+2000-U+206F: dashes, curly quotes,
ellipsis, special spaces), none of which is a letter or digit. Both backends then index the
same words; the search (``sayonce.history.fulltext``) repeats this expression exactly.
SQLite: nothing.

Revision ID: 0006_fulltext_words
Revises: 0005_prefix_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_fulltext_words"
down_revision: str | None = "0005_prefix_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# By code point, so the class means the same under every collation; regexp_replace, because
# translate() with this many characters costs ten times as much per row.
PUNCTUATION = r"'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\xa0\xa1\xab\xb7\xbb\xbf\u2000-\u206f]'"
WORDS = f"regexp_replace(coalesce(subject, '') || ' ' || body, {PUNCTUATION}, ' ', 'g')"
OLD = "coalesce(subject, '') || ' ' || body"


def _index(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_interactions_fts")
    op.execute(
        f"CREATE INDEX ix_interactions_fts ON interactions "
        f"USING gin (to_tsvector('english', {expression}))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _index(WORDS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _index(OLD)

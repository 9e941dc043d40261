"""Full-text search over interactions: FTS5 on SQLite, a GIN tsvector index on PostgreSQL.

Revision ID: 0002_fulltext
Revises: 0001_initial
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_fulltext"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    # External-content FTS5 table: the text lives once, in interactions; triggers keep it in step.
    """CREATE VIRTUAL TABLE interactions_fts USING fts5(
        subject, body, content='interactions', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
        INSERT INTO interactions_fts(rowid, subject, body)
        VALUES (new.id, new.subject, new.body);
    END""",
    """CREATE TRIGGER interactions_fts_ad AFTER DELETE ON interactions BEGIN
        INSERT INTO interactions_fts(interactions_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
    END""",
    """CREATE TRIGGER interactions_fts_au AFTER UPDATE OF subject, body ON interactions BEGIN
        INSERT INTO interactions_fts(interactions_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
        INSERT INTO interactions_fts(rowid, subject, body)
        VALUES (new.id, new.subject, new.body);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS interactions_fts_au",
    "DROP TRIGGER IF EXISTS interactions_fts_ad",
    "DROP TRIGGER IF EXISTS interactions_fts_ai",
    "DROP TABLE IF EXISTS interactions_fts",
]
POSTGRES_UP = [
    """CREATE INDEX ix_interactions_fts ON interactions USING gin (
        to_tsvector('english', coalesce(subject, '') || ' ' || body))""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_interactions_fts"]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    """Create the full-text index for this backend."""
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    """Drop the full-text index."""
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN)

"""Embeddings hold one vector per sentence of an interaction, and the hash of their text.

``embeddings.chunks`` says how many vectors ``vector`` holds; ``embeddings.text_hash`` is the
fingerprint of the text they came from, so a vector whose interaction changed is never used.
Rows written before this revision (no hash) cannot be trusted to match their text and are
deleted; semantic search recomputes them on demand (``sayonce embed`` does it in bulk).

Written to be safe after ``scripts/regen_initial_migration.py``, which folds the columns into
0001: a column already there is left alone.

Revision ID: 0004_embedding_chunks
Revises: 0003_audit_guard
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_embedding_chunks"
down_revision: str | None = "0003_audit_guard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns("embeddings")}


def upgrade() -> None:
    """Add ``chunks`` and ``text_hash``; drop vectors that have no hash."""
    present = _columns()
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        if "chunks" not in present:
            batch_op.add_column(
                sa.Column("chunks", sa.Integer(), server_default="1", nullable=False)
            )
        if "text_hash" not in present:
            batch_op.add_column(sa.Column("text_hash", sa.String(length=64), nullable=True))
    op.execute("DELETE FROM embeddings WHERE text_hash IS NULL")


def downgrade() -> None:
    """Remove the columns (the vectors they describe go too)."""
    op.execute("DELETE FROM embeddings")
    present = _columns()
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        for name in ("text_hash", "chunks"):
            if name in present:
                batch_op.drop_column(name)

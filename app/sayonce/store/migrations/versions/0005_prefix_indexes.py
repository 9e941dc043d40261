"""PostgreSQL: indexes that serve the search box's ``LIKE 'prefix%'`` probes.

Search as you type looks up names, refs, identities and order/case numbers by prefix. On
SQLite these are ``>= p AND < p || U+10FFFF`` ranges over the ordinary indexes. On
PostgreSQL they are ``LIKE 'p%'``, which an ordinary b-tree index serves only when the
database's collation is ``C``; a server created with ``en_US.UTF-8`` (the common default)
would scan the whole table on every keystroke. ``varchar_pattern_ops`` indexes compare
byte-wise, so the planner can use them for a prefix whatever the collation. SQLite: nothing.

These indexes are made by raw SQL and kept out of autogenerate comparisons
(``env_filters.PATTERN_INDEX_SUFFIX``).

Revision ID: 0005_prefix_indexes
Revises: 0004_embedding_chunks
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_prefix_indexes"
down_revision: str | None = "0004_embedding_chunks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, column): every column the search box probes by prefix
PREFIX_INDEXES = (
    ("ix_customers_name_key_prefix", "customers", "name_key"),
    ("ix_customers_ref_prefix", "customers", "ref"),
    ("ix_identities_value_prefix", "identities", "value"),
    ("ix_orders_number_prefix", "orders", "number"),
    ("ix_cases_number_prefix", "cases", "number"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in PREFIX_INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in PREFIX_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")

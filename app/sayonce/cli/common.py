"""Options and helpers shared by subcommands."""

from __future__ import annotations

import argparse

from sayonce.config import database_url
from sayonce.store import Store, open_store


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--db URL`` (default: ``SAYONCE_DATABASE_URL`` or the per-user SQLite file)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy database URL (default: $SAYONCE_DATABASE_URL or the per-user SQLite file)",
    )


def open_from_args(args: argparse.Namespace) -> Store:
    """Open and migrate the database named by ``--db`` (or the default)."""
    return open_store(database_url(getattr(args, "db", None)))

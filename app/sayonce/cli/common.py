"""Options and helpers shared by subcommands."""

from __future__ import annotations

import argparse
from typing import Any

from sayonce.config import database_url
from sayonce.store import Store, open_store
from sayonce.trust.principal import Principal


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


def viewed_cluster(store: Store, principal: Principal, customer: str) -> list[int]:
    """The merge cluster of ``customer`` (a ref or id), for someone who may view profiles."""
    from sayonce.trust.permissions import Permission, require
    from sayonce.trust.person import find_customer_id, person_ids

    require(principal, Permission.VIEW_PROFILE)
    with store.read() as session:
        return person_ids(session, find_customer_id(session, customer))


def record_view(
    store: Store, principal: Principal, cluster: list[int], detail: dict[str, Any]
) -> None:
    """Audit a command's look at a customer's profile (``detail``: how, never what)."""
    from sayonce.trust import audit

    with store.write() as session:
        audit.record(
            session, principal, audit.AuditAction.PROFILE_VIEW, "customer", cluster[0],
            {**detail, "profiles": len(cluster)},
        )  # fmt: skip

"""``sayonce demo``: fill an empty database with deterministic, believable demo data."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sayonce.store import Store

from sayonce.cli.common import add_db_option, open_from_args

INTERACTIONS_PER_CUSTOMER = 25


def register(sub: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = sub.add_parser(
        "demo",
        help="create demo customers and their cross-channel history",
        description="Fill an empty database with demo customers, their identities, orders, "
        "surveys, loyalty and campaign events, cases and cross-channel conversations. The "
        "same seed and --as-of day always give the same data. Without sizes: 2,000 "
        f"customers and 50,000 interactions; with one size, the other follows at "
        f"{INTERACTIONS_PER_CUSTOMER} interactions per customer.",
    )
    add_db_option(parser)
    parser.add_argument("--customers", type=_positive, metavar="N", help="customers to create")
    parser.add_argument(
        "--interactions", type=_positive, metavar="N", help="interactions (contacts) to create"
    )
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the demo's today: everything happens before it (default: today, UTC)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="delete an earlier demo SQLite database at that place first (never other data)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)


def _positive(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def sizes(customers: int | None, interactions: int | None) -> tuple[int, int]:
    """Customers and interactions to create, filling in whichever was not given."""
    from sayonce.demo import DEFAULT_CUSTOMERS, DEFAULT_INTERACTIONS

    if customers is None and interactions is None:
        return DEFAULT_CUSTOMERS, DEFAULT_INTERACTIONS
    if customers is None:
        assert interactions is not None
        return max(1, interactions // INTERACTIONS_PER_CUSTOMER), interactions
    return customers, interactions or customers * INTERACTIONS_PER_CUSTOMER


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sayonce.demo import generate
    from sayonce.demo.seeds import SeedError
    from sayonce.demo.writer import discard_sqlite_demo

    customers, interactions = sizes(args.customers, args.interactions)
    store = open_from_args(args)
    if args.replace and discard_sqlite_demo(store):
        store = open_from_args(args)
    bars: list[Any] = []  # made at the first progress report, after the empty-database check

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit=" interactions", unit_scale=True, file=sys.stderr))
        bars[0].update(done - bars[0].n)

    _enrol_computer_user(store)
    try:
        stats = generate(
            store,
            customers=customers,
            interactions=interactions,
            seed=args.seed,
            progress=None if args.quiet else progress,
            as_of=args.as_of,
        )
    except SeedError as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    finally:
        for bar in bars:
            bar.close()
        store.dispose()
    print(
        f"Created {stats.customers:,} customers with {stats.identities:,} identities, "
        f"{stats.interactions:,} interactions ({stats.turns:,} conversation turns), "
        f"{stats.orders:,} orders, {stats.cases:,} cases, {stats.survey_responses:,} survey "
        f"answers, {stats.loyalty_events:,} loyalty and {stats.campaign_events:,} campaign "
        f"events, {f'{stats.facts:,} facts, ' if stats.facts else ''}{stats.agents} agents "
        f"in {stats.seconds:.1f} s ({stats.rate:,.0f} interactions/s)."
    )
    print(
        f"Seed {stats.seed}, as of {stats.as_of}. {stats.duplicates} profiles are second "
        f"profiles of the same person and {stats.households} share a household phone, for "
        "identity resolution to find (the answers are in the meta table)."
    )
    return 0


def _enrol_computer_user(store: Store) -> None:
    """Make whoever creates a demo its first admin, as ``sayonce run`` does on an empty database.

    The demo seeds its own agents (one of them an admin); signing the computer user in first
    keeps `sayonce demo` followed by `sayonce run` working with the default OS sign-in.
    """
    from sayonce.trust.signin import AuthMode, SignInError, auth_mode, sign_in_os

    if auth_mode() is AuthMode.OS:
        with contextlib.suppress(SignInError):
            sign_in_os(store)

"""The ``sayonce`` command: one module per subcommand, each with ``register(subparsers)``.

A subcommand module adds its parser and sets ``func`` to a handler taking the parsed
arguments and returning the exit code. Heavy imports (Qt, torch) happen inside handlers.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from sayonce import __version__
from sayonce.config import force_offline

# Each entry is a module in sayonce.cli with a register(subparsers) function.
COMMANDS: tuple[str, ...] = (
    "bench",
    "models",
    "selftest",
    "users",
    "audit",
    "privacy",
    "consent",
    "run",
    "demo",
    "summarize",
    "search",
    "eval",
    "importing",
    "identity",
    "intake",
    "assist",
    "review",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="sayonce",
        description=(
            "SayOnce: one customer history across every channel, local NLP briefs and "
            "next-best actions for contact-center agents."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sayonce {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"sayonce.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sayonce`` console script."""
    force_offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from sayonce.privacy.logs import install_redacting_filter

    install_redacting_filter()  # no card number or phone ever reaches a log
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from sayonce.store.errors import StoreError

    try:
        return int(args.func(args) or 0)
    except StoreError as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""``sayonce models``: prepare and check the local NLP models."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the ``models`` subcommand."""
    parser = sub.add_parser("models", help="prepare or check the local NLP models")
    parser.add_argument("action", choices=["prepare", "check"], help="what to do")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce.nlp import models

    if args.action == "prepare":
        for line in models.prepare():
            print(line)
        return 0
    failed = 0
    for name, ok, detail in models.check():
        print(f"{'ok ' if ok else 'MISSING'} {name}: {detail}")
        failed += 0 if ok else 1
    return 1 if failed else 0

"""``sayonce run``: the agent desktop (Qt is imported only when the command runs)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option
from sayonce.config import database_url


def register(sub: Any) -> None:
    """Add the ``run`` subcommand."""
    parser = sub.add_parser(
        "run",
        help="open the agent desktop (creates the demo on an empty database)",
        description="Open the agent desktop. On an empty database the demo customers are "
        "created first (progress in the status bar). With --screenshot the window is "
        "rendered offscreen, saved as PNG and the program exits.",
    )
    add_db_option(parser)
    parser.add_argument("--customer", metavar="REF", help="open this customer (ref, phone, email)")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png", help="save and exit")
    parser.add_argument("--theme", choices=["light", "dark"], help="colour theme")
    parser.add_argument("--demo-customers", type=int, help="demo size on an empty database")
    parser.add_argument("--demo-interactions", type=int, help="demo size on an empty database")
    parser.add_argument("--no-models", action="store_true", help="do not load the NLP models")
    parser.add_argument(
        "--listen", metavar="HOST:PORT", help="take live calls on a loopback HTTP endpoint"
    )
    parser.add_argument("--follow", type=Path, metavar="FILE", help="take live calls from a file")
    parser.add_argument(
        "--screen",
        choices=["agent", "supervisor"],
        default="agent",
        help="agent desktop (default) or the supervisor review screen",
    )
    parser.add_argument(
        "--simulate",
        type=Path,
        metavar="CALL.jsonl",
        help="replay a call file (intake events) into the live call panel, with its timing",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulator speed: 1, 4, or 0 for instant"
    )
    parser.add_argument(
        "--find",
        metavar="TEXT",
        help="search the customer's history for TEXT once it opens (every word, as Ctrl+F)",
    )
    parser.add_argument(
        "--by-meaning",
        action="store_true",
        help="with --find: search by meaning (the local model, in a helper process)",
    )
    parser.add_argument("--exit-when-visible", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce.ui.app import LaunchOptions, launch

    return launch(
        LaunchOptions(
            url=database_url(args.db),
            customer=args.customer,
            screenshot=args.screenshot,
            theme=args.theme,
            demo_customers=args.demo_customers,
            demo_interactions=args.demo_interactions,
            exit_when_visible=args.exit_when_visible,
            load_models=not args.no_models,
            screen=args.screen,
            simulate=args.simulate,
            speed=args.speed,
            find=args.find,
            by_meaning=args.by_meaning,
        )
    )

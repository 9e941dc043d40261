"""``sayonce selftest``: check an installation end to end and print each check with its time."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def register(sub: Any) -> None:
    """Add the ``selftest`` subcommand."""
    parser = sub.add_parser(
        "selftest",
        help="check this installation: database, models, redaction, summaries, "
        "suggestions and the main window",
        description="Open (and migrate) a database (a temporary SQLite file unless --db is "
        "given), load the local models, redact, summarize and suggest on a built-in sample "
        "call, and render the main window offscreen. Prints each check with its time; exits "
        "0 only if every check passed. With --db, what the check writes is rolled back.",
    )
    add_db_option(parser)
    parser.add_argument(
        "--no-window", action="store_true", help="skip rendering the main window (no Qt)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce.selftest import SelfTest, core_checks, format_result, run_checks

    print("SayOnce self-test", flush=True)
    with tempfile.TemporaryDirectory(prefix="sayonce-selftest-") as scratch:
        url = args.db or f"sqlite:///{Path(scratch) / 'selftest.sqlite3'}"
        state = SelfTest(db_url=url, scratch=args.db is None)
        state.shared["workdir"] = Path(scratch)
        checks = core_checks()
        if not args.no_window:
            checks.append(("render main window", _check_window))
        results = []
        try:
            for result in run_checks(checks, state):
                print(format_result(result), flush=True)
                results.append(result)
        finally:
            state.close()
    failed = [r.name for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    if failed:
        print(
            f"selftest FAILED: {len(failed)} of {len(results)} checks failed "
            f"({', '.join(failed)}); see the lines marked FAIL above.",
            file=sys.stderr,
        )
        return 1
    print(f"selftest passed: {len(results)} checks in {total:.2f} s")
    return 0


def _check_window(state: Any) -> str:
    """Render the main window offscreen through the same code as ``sayonce run --screenshot``."""
    from sayonce.selftest import CheckFailed

    # The self-test never pops a window up on an agent's screen.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from sayonce.cli import run as run_command
    except ImportError as exc:
        raise CheckFailed(f"desktop not available: {exc}") from exc
    shot = Path(state.shared["workdir"]) / "selftest-window.png"
    argv = ["run", "--db", state.db_url, "--screenshot", str(shot)]
    customer = state.shared.get("customer_ref")
    if customer:
        argv += ["--customer", str(customer)]
    from sayonce.cli import build_parser

    code = run_command_main(build_parser(), argv)
    if code != 0:
        raise CheckFailed(f"`sayonce {' '.join(argv)}` exited with {code}")
    if not shot.exists() or shot.read_bytes()[:8] != PNG_SIGNATURE:
        raise CheckFailed(f"no screenshot was written to {shot}")
    del run_command
    return f"{shot.stat().st_size // 1024} KiB screenshot"


def run_command_main(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    """Run a ``sayonce`` subcommand in this process and return its exit code."""
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)

"""``sayonce selftest``: check an installation end to end and print each check with its time."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_WINDOW = (800, 600)
WINDOW_DEMO_CUSTOMERS = 12
WINDOW_DEMO_INTERACTIONS = 120


def register(sub: Any) -> None:
    """Add the ``selftest`` subcommand."""
    parser = sub.add_parser(
        "selftest",
        help="check this installation: database, models, redaction, summaries, "
        "suggestions, the assist helper process and the main window",
        description="Open (and migrate) a database (a temporary SQLite file unless --db is "
        "given), load the local models, redact, summarize and suggest on a built-in sample "
        "call, suggest again through the desktop's assist helper process, and render the "
        "main window offscreen. Prints each check with its time; exits 0 only if every "
        "check passed. With --db, what the check writes is rolled back.",
    )
    add_db_option(parser)
    parser.add_argument(
        "--no-window", action="store_true", help="skip rendering the main window (no Qt)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce.selftest import SelfTest, core_checks, format_result, run_checks

    # One line per check: no model-loading progress bars in between.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
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
    """Render the main window offscreen through the same code as ``sayonce run --screenshot``.

    It opens its own scratch database with a small demo (never the one given with ``--db``,
    which ``sayonce run`` would fill with demo customers if it were empty).
    """
    from sayonce.selftest import CheckFailed

    # The self-test never pops a window up on an agent's screen.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from sayonce.ui.app import LaunchOptions, launch
    except ImportError as exc:
        raise CheckFailed(f"desktop not available: {exc}") from exc
    workdir = Path(state.shared["workdir"])
    shot = workdir / "selftest-window.png"
    options = LaunchOptions(
        url=f"sqlite:///{workdir / 'selftest-window.sqlite3'}",
        screenshot=shot,
        demo_customers=WINDOW_DEMO_CUSTOMERS,
        demo_interactions=WINDOW_DEMO_INTERACTIONS,
    )
    with contextlib.redirect_stdout(io.StringIO()):  # keep to one line per check
        code = launch(options)
    if code != 0:
        raise CheckFailed(f"the desktop exited with {code} before its window was rendered")
    width, height = _png_size(shot)
    if width < MIN_WINDOW[0] or height < MIN_WINDOW[1]:
        raise CheckFailed(f"the rendered window is only {width}x{height} pixels")
    return f"{width}x{height} window with a demo customer, {shot.stat().st_size // 1024} KiB PNG"


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (a missing or broken file fails the check)."""
    from sayonce.selftest import CheckFailed

    data = path.read_bytes()[:24] if path.exists() else b""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE:
        raise CheckFailed(f"no window picture was written to {path}")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

"""Entry script of the packaged app: the ``sayonce`` command, frozen.

The same script backs two executables that share one bundle: ``sayonce`` (console; every
subcommand) and ``sayonce-desktop`` (windowed on Windows and macOS; opens the agent desktop, so
``sayonce-desktop --customer C-42`` means ``sayonce run --customer C-42``).
"""

import multiprocessing
import os
import sys
from pathlib import Path

DESKTOP_EXECUTABLE = "sayonce-desktop"


def _argv() -> list[str]:
    args = sys.argv[1:]
    if Path(sys.executable).stem.lower() == DESKTOP_EXECUTABLE:
        return ["run", *args]
    return args


def _give_windowed_app_streams() -> None:
    # A windowed Windows/macOS executable has no console: sys.stdout is None and print() fails.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    # Worker processes of a frozen app re-enter here; this sends them to their task.
    multiprocessing.freeze_support()
    _give_windowed_app_streams()
    from sayonce.cli import main

    sys.exit(main(_argv()))

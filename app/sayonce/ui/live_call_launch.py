"""Wiring for ``sayonce run``: the docked live call panel, the simulator, the supervisor screen.

The panel listens to the window's intake bridge, so a telephony feed and a replayed call file
reach the same live session by the same path; a replay also screen-pops the caller.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from sayonce.ui.assist_worker import AssistWorker
from sayonce.ui.call_simulator import CallSimulator
from sayonce.ui.live_call_panel import LiveCallPanel

SCREENSHOT_TIMEOUT_S = 240
SETTLE_MS = 1500
SCREENSHOT_SIZE = (1720, 980)  # the history and the docked panel side by side


class LiveCall(QObject):
    """The live panel of one agent window, and the simulator feeding it (if any)."""

    settled = Signal()  # a replayed call was sent and the session has caught up

    def __init__(self, window: Any, store: Any, principal: Any, factory: Any = None) -> None:
        super().__init__(window)
        self.window = window
        self.worker = AssistWorker(store, principal, factory, self)
        self.panel = LiveCallPanel(self.worker)
        self.dock = window.add_side_panel(self.panel, "Live call")
        self.dock.setMinimumWidth(700)
        window.intake.received.connect(self.panel.post)
        self.simulator = CallSimulator(self)
        self.simulator.event_due.connect(window.intake.receive)
        self.simulator.finished.connect(self._wait_for_session)
        self._check = QTimer(self)
        self._check.setInterval(100)
        self._check.timeout.connect(self._caught_up)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def start(self) -> None:
        """Start the assist worker (loads the model off the UI thread)."""
        self.worker.start()

    def simulate(self, path: Path, speed: float = 1.0, customer: str | None = None) -> None:
        """Replay a call file into the window as if the phone system sent it."""
        self.simulator.load(path, customer=customer)
        self.simulator.set_speed(speed)
        self.simulator.play()

    def _wait_for_session(self) -> None:
        self._check.start()

    def _caught_up(self) -> None:
        if self.worker.handled >= self.simulator.total:
            self._check.stop()
            QTimer.singleShot(SETTLE_MS, self.settled.emit)

    def stop(self) -> None:
        """Stop the replay and the worker thread (idempotent)."""
        self._check.stop()
        self.simulator.stop()
        self.worker.stop()


def screenshot_when_settled(live: LiveCall, path: Path, result: dict[str, Any]) -> None:
    """Save the window once the replay is done, then close it; ``result["code"]`` is the exit."""
    result["code"] = 1
    live.window.resize(*SCREENSHOT_SIZE)
    live.window.resizeDocks([live.dock], [800], Qt.Orientation.Horizontal)

    def save() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)

        live.window.grab().save(str(path))
        print(f"saved {path}")
        result["code"] = 0
        live.window.close()

    def give_up() -> None:
        if result["code"]:
            print("sayonce run: the simulated call did not finish in time", file=sys.stderr)
            live.window.close()

    live.settled.connect(save)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, give_up)


class _Opening(QMainWindow):
    """What the supervisor sees while the database opens (and the demo fills it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("SayOnce — Supervisor review")
        self.label = QLabel("Opening the database…")
        self.label.setObjectName("emptyState")
        self.setCentralWidget(self.label)


def launch_review(url: str, screenshot: Path | None, size: tuple[int, int]) -> int:
    """Run the supervisor screen until it closes (the QApplication and theme are set up)."""
    from sayonce.review.demo_history import seed_review_demo
    from sayonce.trust.principal import Principal
    from sayonce.ui.app import open_desk
    from sayonce.ui.review_screen import ReviewWindow
    from sayonce.ui.tasks import TaskRunner

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    opening = _Opening()
    opening.resize(*size)
    opening.show()
    runner = TaskRunner("sayonce-open", opening)
    state: dict[str, Any] = {"code": 0}

    def open_() -> Any:
        desk = open_desk(url)
        seed_review_demo(desk.store, Principal.system())  # a demo database only, once
        return desk

    def opened(desk: Any) -> None:
        window = ReviewWindow(desk.store, desk.principal)
        window.resize(*size)
        window.show()
        opening.close()
        state["window"] = window
        window.start()
        if screenshot is not None:
            state["code"] = 1
            QTimer.singleShot(5000, lambda: _save_review(window, screenshot, state))

    def failed(exc: BaseException) -> None:
        opening.label.setText(f"Cannot open the database: {exc}")
        print(f"sayonce run: {exc}", file=sys.stderr)
        state["code"] = 2
        if screenshot is not None:
            opening.close()

    runner.submit(open_, opened, failed)
    app.exec()
    runner.stop()
    window = state.get("window")
    if window is not None:
        window.shutdown()
    return int(state["code"])


def _save_review(window: Any, path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))
    print(f"saved {path}")
    state["code"] = 0
    window.close()

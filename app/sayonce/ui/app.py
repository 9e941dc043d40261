"""Starting the desktop: the QApplication, theme and settings, the store opened off the UI thread.

The window is shown first; the database opens, migrates, fills itself with the demo when
empty (with progress in the status bar) and signs the agent in on the worker thread, so the
window is up in well under two seconds however large the database is.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QFormLayout, QLineEdit

from sayonce.config import APP_AUTHOR, APP_NAME, data_dir
from sayonce.history.desk import Desk
from sayonce.store import open_store
from sayonce.trust.signin import AuthMode, auth_mode, sign_in
from sayonce.ui import themes
from sayonce.ui.main_window import MainWindow

log = logging.getLogger(__name__)
FONT_FAMILIES = ["Segoe UI", "SF Pro Text", "Inter", "Noto Sans", "Ubuntu", "DejaVu Sans"]
SCREENSHOT_SIZE = (1440, 900)
SCREENSHOT_TIMEOUT_S = 180
MODELS_WAIT_S = 45
GIL_SWITCH_S = 0.001


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """What ``sayonce run`` asked for."""

    url: str
    customer: str | None = None
    screenshot: Path | None = None
    theme: str | None = None
    demo_customers: int | None = None
    demo_interactions: int | None = None
    exit_when_visible: bool = False
    load_models: bool = True
    listen: str | None = None
    follow: Path | None = None
    screen: str = "agent"  # or "supervisor" (sayonce.ui.review_screen)
    simulate: Path | None = None  # replay this call file into the live call panel
    speed: float = 1.0  # simulator speed: 1, 4, or 0 for instant
    find: str | None = None  # search the first customer's history for this at start
    by_meaning: bool = False  # ... by meaning (the search helper), not every word


def make_app(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, created once."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Worker threads run Python too (queries, the NLP brief): hand the interpreter lock back
    # to the UI thread more often than the default 5 ms, so it never waits long for it.
    sys.setswitchinterval(GIL_SWITCH_S)
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        QGuiApplication.highDpiScaleFactorRoundingPolicy().PassThrough
    )
    app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(10)
    app.setFont(font)
    return app


def user_settings() -> QSettings:
    """Window layout and theme, in the per-user data folder (never the install folder)."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat)


class _Relay(QObject):
    """Carries progress from the worker thread to the window (queued signal)."""

    progress = Signal(str, int, int)


def open_desk(
    url: str,
    *,
    demo_customers: int | None = None,
    demo_interactions: int | None = None,
    credentials: tuple[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Desk:
    """Open (and migrate) the store, fill an empty one with the demo, sign the agent in."""
    report = progress or (lambda _text, _done, _total: None)
    report("Opening the customer database…", 0, 1)
    store = open_store(url)
    username, password = credentials or (None, None)
    # Sign in before creating the demo: on a fresh database the OS user is enrolled as its
    # admin (sayonce.trust.signin); the demo's own agents would otherwise take that place.
    report("Signing in…", 0, 1)
    principal = sign_in(store, username, password)
    desk = Desk(store, principal)
    if desk.is_empty():
        from sayonce import demo

        customers = demo_customers or demo.DEFAULT_CUSTOMERS
        interactions = demo_interactions or demo.DEFAULT_INTERACTIONS
        report("Empty database: creating the demo customers…", 0, interactions)
        demo.generate(
            store,
            customers=customers,
            interactions=interactions,
            progress=lambda done, total: report(
                f"Creating demo history: {done:,} of {total:,} contacts…", done, total
            ),
        )
    return Desk(store, principal)


class SignInDialog(QDialog):
    """Username and password (only when ``SAYONCE_AUTH=local``)."""

    def __init__(self) -> None:
        """An empty form."""
        super().__init__()
        self.setWindowTitle("Sign in to SayOnce")
        form = QFormLayout(self)
        self.username = QLineEdit(self)
        self.username.setAccessibleName("Username")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class _Screenshot(QObject):
    """Waits for the customer (the brief, for a while; a --find search), saves the window, quits."""

    def __init__(self, window: MainWindow, path: Path, searching: bool = False) -> None:
        super().__init__(window)
        self.window, self.path = window, path
        self.shown = False
        self.exit_code = 1
        self.searching = searching  # wait for the results of sayonce run --find too
        self.search_failed = False
        self.saved = False
        window.customer_shown.connect(self._customer)
        window.models_ready.connect(lambda _text: self._maybe())
        window.meaning.shown.connect(self._found)
        window.meaning.unavailable.connect(self._unavailable)
        window.timeline_model.page_arrived.connect(self._page)
        QTimer.singleShot(MODELS_WAIT_S * 1000, self._give_up_on_models)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, self._timeout)
        self._models_waited = False

    def _found(self, _result: object) -> None:
        if self.searching:
            self.searching = False
            self.window.timeline.meaning_pane.focus_results()  # the first hit in the reader
            self._maybe()

    def _unavailable(self, message: str) -> None:
        if self.searching:
            print(f"sayonce run: {message}", file=sys.stderr)
            self.search_failed = True  # the picture shows why; the exit code says so too
            self._found(None)

    def _page(self, _count: int) -> None:
        if self.searching and not self.window.timeline.by_meaning():
            self._found(None)  # a words search: its first page is in

    def _customer(self, _customer_id: int) -> None:
        self.shown = True
        self._maybe()

    def _give_up_on_models(self) -> None:
        self._models_waited = True
        self._maybe()

    def _maybe(self) -> None:
        models_settled = self.window.models_status.text() not in ("Models loading…",)
        if self.shown and not self.searching and (models_settled or self._models_waited):
            QTimer.singleShot(700, self._save)  # let the brief arrive and the frame paint

    def _save(self) -> None:
        if self.saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(self.path))
        print(f"saved {self.path}")
        self.saved = True
        self.exit_code = 1 if self.search_failed else 0
        self.window.close()

    def _timeout(self) -> None:
        if not self.saved:
            print("sayonce run: the customer did not load in time", file=sys.stderr)
            self.window.close()


def launch(options: LaunchOptions) -> int:
    """Run the desktop until the window closes; return the exit code."""
    started = time.perf_counter()
    if options.screenshot is not None or options.exit_when_visible:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    settings = user_settings()
    offscreen = options.screenshot is not None
    theme = options.theme or str(settings.value("theme", "light"))
    themes.apply(app, theme if theme in themes.THEMES else "light")
    if options.screen == "supervisor":
        from sayonce.ui.live_call_launch import launch_review

        return launch_review(options.url, options.screenshot, SCREENSHOT_SIZE)
    window = MainWindow(settings=None if offscreen else settings, load_models=options.load_models)
    if offscreen:
        window.resize(*SCREENSHOT_SIZE)
    live_shot = options.screenshot is not None and options.simulate is not None
    shot = None
    if options.screenshot is not None and not live_shot:
        shot = _Screenshot(window, options.screenshot, searching=bool(options.find))
    if options.find:
        _find_when_shown(window, options.find, options.by_meaning)
    credentials = None
    if auth_mode() is AuthMode.LOCAL and not offscreen:
        dialog = SignInDialog()
        if not dialog.exec():
            return 1
        credentials = (dialog.username.text(), dialog.password.text())
    window.show()
    if options.exit_when_visible:
        QTimer.singleShot(0, lambda: _visible(window, started))
        app.exec()
        return 0
    relay = _Relay(window)
    relay.progress.connect(window.set_progress)

    def opened(desk: Desk) -> None:
        window.set_progress("Ready", 1, 1)
        window.set_desk(desk)
        if options.listen or options.follow:
            _start_intake(window, desk, options)
        if options.simulate is not None or not offscreen:
            _attach_live_call(window, desk, options, holder)
        if options.customer:
            window.open_reference(options.customer)
        elif offscreen:
            window.db.submit(desk.recent_customer, _open_if(window))

    def failed(exc: BaseException) -> None:
        window.set_progress(f"Cannot start: {exc}", 1, 1)
        print(f"sayonce run: {exc}", file=sys.stderr)
        if offscreen:
            window.close()

    def start() -> None:
        window.db.submit(
            lambda: open_desk(
                options.url,
                demo_customers=options.demo_customers,
                demo_interactions=options.demo_interactions,
                credentials=credentials,
                progress=relay.progress.emit,
            ),
            opened,
            failed,
        )

    holder: dict[str, Any] = {}
    QTimer.singleShot(0, start)
    app.exec()
    if shot is not None:
        return shot.exit_code
    if live_shot:
        return int(holder.get("code", 1))
    return 0


def _attach_live_call(
    window: MainWindow, desk: Desk, options: LaunchOptions, holder: dict[str, Any]
) -> None:
    """Dock the live call panel (and start the call simulator when asked)."""
    from sayonce.ui.live_call_launch import LiveCall, screenshot_when_settled

    live = LiveCall(window, desk.store, desk.principal)
    live.start()
    if options.screenshot is not None and options.simulate is not None:
        screenshot_when_settled(live, options.screenshot, holder)
    if options.simulate is not None:
        live.simulate(options.simulate, options.speed, options.customer)


def _start_intake(window: MainWindow, desk: Desk, options: LaunchOptions) -> None:
    from sayonce.ui.live_intake import LiveIntake

    try:
        live = LiveIntake(desk.store, listen=options.listen, follow=options.follow)
        where = live.start()
    except (OSError, ValueError) as exc:
        window.set_progress(f"Live intake not started: {exc}", 1, 1)
        return
    window.intake.attach(live.hub)
    window.closing.connect(live.stop)
    window.set_progress(f"Ready, {where}", 1, 1)


def _find_when_shown(window: MainWindow, text: str, by_meaning: bool) -> None:
    """Search the first customer shown for ``text`` (``sayonce run --find``)."""

    def find(_customer_id: int) -> None:
        window.customer_shown.disconnect(find)
        window.timeline.search_for(text, by_meaning)

    window.customer_shown.connect(find)


def _open_if(window: MainWindow) -> Callable[[int | None], None]:
    def open_(customer_id: int | None) -> None:
        if customer_id is not None:
            window.open_customer(customer_id)

    return open_


def _visible(window: MainWindow, started: float) -> None:
    print(f"visible after {time.perf_counter() - started:.3f} s", flush=True)
    window.close()

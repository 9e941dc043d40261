"""Runs the live assist session away from the UI thread; the panel only renders its updates.

napari's slicer pattern: the UI thread posts commands (intake events, accept, dismiss,
wrap-up) to one worker that owns the session. Every event is applied in order (the session's
state needs all of them), but when several arrive while the worker is busy only the newest
update is sent back: latest wins, so a burst of utterances never queues a backlog of repaints.
Results cross back through queued signals.

By default the session lives in a helper process (:mod:`sayonce.assist.host_process`):
loading the embedding model imports torch, whose C libraries hold Python's interpreter lock
for a second or more, which on a thread of this process would freeze the window. The worker
thread here only forwards commands over a pipe and waits for the answers with the lock
released. A custom session factory (tests, benchmarks) or an in-memory database (which
another process cannot open) runs the session on the worker thread instead. If the helper
cannot start or dies, the panel says suggestions are unavailable and the call goes on; the
next call starts a fresh helper (up to :data:`MAX_RESTARTS` times a session).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from sayonce.assist.host import Command, Output, SessionHost
from sayonce.assist.host_process import Cancelled, HelperStopped, HostBuilder, HostProcess
from sayonce.nlp.host_process import database_url, shareable
from sayonce.store import Store
from sayonce.trust.principal import Principal

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.002
WATCH_S = 0.5  # while idle, check this often that the helper is still alive
ABANDON_WAIT_MS = 10_000  # after stop() timed out: time to kill the helper and end the thread
SessionFactory = Callable[[], Any]  # returns a LiveSession (built on the worker thread)
UNAVAILABLE = "Suggestions are unavailable: {}"
MAX_RESTARTS = 3  # a helper lost mid-call is started afresh for the next call, this many times


def default_session_factory(store: Store, principal: Principal) -> SessionFactory:
    """The app's session (active playbook, local model, this agent), built in this process."""

    def build() -> Any:
        from sayonce.review.live_assist import build_session

        return build_session(store, principal)

    return build


class _Loop(QThread):
    """The worker thread: starts the session, then applies commands in order."""

    ready = Signal()
    updated = Signal(object)  # AssistUpdate
    trend = Signal(object)  # list[float]: sentiment after each customer turn in the batch
    facts = Signal(object)  # list[ToldUs] of the caller
    decisions = Signal(object)  # dict[action_id, Decision]
    wrapped = Signal(int)  # interaction id the wrap-up was stored on
    failed = Signal(str)

    def __init__(
        self,
        factory: SessionFactory | None,
        store: Store | None,
        principal: Principal,
        builder: HostBuilder | None = None,
    ) -> None:
        """``factory``: the session on this thread; otherwise ``builder`` in a helper."""
        super().__init__()
        self.commands: queue.Queue[Command] = queue.Queue()
        self._factory = factory
        self._store = store
        self._principal = principal
        self._builder = builder
        self._host: SessionHost | None = None  # the session, on this thread
        self._helper: HostProcess | None = None  # or the session, in a helper process
        self._live = False  # a session is there to take commands
        self._stopping = threading.Event()  # stop() was called: stop waiting for the model
        self._abandon = threading.Event()  # stop() timed out: drop the command in hand too
        self.handled = 0  # events applied (for tests and benchmarks)
        self.restarts = 0  # helpers started again after one was lost

    @property
    def session(self) -> Any:
        """The session when it runs on this thread (``None`` in a helper process)."""
        return self._host.session if self._host is not None else None

    @property
    def helper_pid(self) -> int | None:
        """The helper process's id (``None`` when the session runs on this thread)."""
        return self._helper.pid if self._helper is not None else None

    def request_stop(self) -> None:
        """Finish the commands already posted, then end (a loading helper is let go)."""
        self._stopping.set()
        self.commands.put(Command("stop"))

    def abandon(self) -> None:
        """Stop waiting for the command in hand (the helper is terminated)."""
        self._abandon.set()

    def run(self) -> None:
        try:
            self._open()
        except Cancelled:
            self._close()
            return
        except Exception as exc:  # shown in the panel; the call goes on without suggestions
            log.warning("assist session could not start: %s", exc, exc_info=True)
            self._close()
            self.failed.emit(UNAVAILABLE.format(exc))
        else:
            self._live = True
            self.ready.emit()
        try:
            while self._apply(self._next_batch()):
                pass
        finally:
            self._close()

    def _open(self) -> None:
        if self._factory is not None:
            from sayonce.review.live_assist import host_for

            self._host = host_for(self._factory(), self._store, self._principal)
            return
        assert self._store is not None and self._builder is not None
        self._helper = HostProcess(database_url(self._store), self._principal, self._builder)
        self._helper.start(self._stopping.is_set)

    def _close(self) -> None:
        self._live = False
        if self._helper is not None:
            if self._abandon.is_set():
                self._helper.close()
            else:
                self._helper.stop()

    def _next_batch(self) -> list[Command]:
        while True:
            try:
                batch = [self.commands.get(timeout=WATCH_S)]
                break
            except queue.Empty:
                if self._live and self._helper is not None and not self._helper.alive():
                    self._lost(self._helper.failure())
        while not self.commands.empty():
            batch.append(self.commands.get_nowait())
        return batch

    def _apply(self, batch: list[Command]) -> bool:
        latest = None
        trend: list[float] = []
        for command in batch:
            if command.kind == "stop":
                return False
            if not self._live and not self._restarted_for(command):
                continue
            outputs = self._execute(command)
            if command.kind == "event":
                self.handled += 1
            for kind, value in outputs:
                if kind == "updated":
                    latest = value
                    if value.sentiment is not None and value.sentiment not in trend[-1:]:
                        trend.append(value.sentiment)
                elif kind == "facts":
                    self.facts.emit(value)
                elif kind == "decisions":
                    self.decisions.emit(value)
                elif kind == "wrapped":
                    self.wrapped.emit(value)
                elif kind == "failed":
                    self.failed.emit(value)
        # Latest wins: one repaint for the whole batch, but the trend keeps every reading.
        if trend:
            self.trend.emit(trend)
        if latest is not None:
            self.updated.emit(latest)
        return True

    def _execute(self, command: Command) -> list[Output]:
        if self._host is not None:
            return self._host.run(command)
        assert self._helper is not None
        try:
            return self._helper.call(command, self._abandon.is_set)
        except Cancelled:
            self._live = False
        except HelperStopped as exc:
            self._lost(exc)
        return []

    def _restarted_for(self, command: Command) -> bool:
        """A new call after the helper was lost: start a fresh one (the old call is gone)."""
        starts_call = command.kind == "event" and command.args[0].type == "call_started"
        if not starts_call or self._helper is None or self.restarts >= MAX_RESTARTS:
            return False
        if self._stopping.is_set():
            return False
        self.restarts += 1
        try:
            self._open()
        except Cancelled:
            return False
        except Exception as exc:
            log.warning("assist helper could not start again: %s", exc)
            self._helper.close()
            self.failed.emit(UNAVAILABLE.format(exc))
            return False
        self._live = True
        self.ready.emit()
        return True

    def _lost(self, exc: HelperStopped) -> None:
        log.warning("assist helper lost: %s", exc)
        self._live = False
        if self._helper is not None:
            self._helper.close()
        self.failed.emit(UNAVAILABLE.format(exc))


class AssistWorker(QObject):
    """The panel's handle on the live session (every method returns at once)."""

    ready = Signal()
    updated = Signal(object)
    trend = Signal(object)
    facts = Signal(object)
    decisions = Signal(object)
    wrapped = Signal(int)
    failed = Signal(str)

    def __init__(
        self,
        store: Store | None,
        principal: Principal,
        factory: SessionFactory | None = None,
        parent: QObject | None = None,
        *,
        builder: HostBuilder | None = None,
    ) -> None:
        """Nothing starts until :meth:`start` (call it once the window is up).

        With neither ``factory`` nor ``builder`` the app's session runs in a helper process
        (on the worker thread if ``store`` is an in-memory database). ``factory`` builds a
        session on the worker thread; ``builder`` (a module-level function: it is pickled by
        name) builds a :class:`SessionHost` in the helper process.
        """
        super().__init__(parent)
        if factory is None and store is None:
            raise ValueError("a store or a session factory is needed")
        if factory is None and builder is None:
            assert store is not None
            if shareable(store):
                from sayonce.review.live_assist import build_host

                builder = build_host
            else:
                factory = default_session_factory(store, principal)
        self._loop = _Loop(factory, store, principal, builder if factory is None else None)
        self._loop.setObjectName("assist")
        for name in ("ready", "updated", "trend", "facts", "decisions", "wrapped", "failed"):
            getattr(self._loop, name).connect(getattr(self, name))

    @property
    def handled(self) -> int:
        """Events the session has applied so far."""
        return self._loop.handled

    @property
    def helper_pid(self) -> int | None:
        """The id of the helper process running the session (``None``: it runs in this one)."""
        return self._loop.helper_pid

    def start(self) -> None:
        """Start the worker thread (it starts the helper, which loads the model)."""
        # In-thread sessions' Python (tokenizing, ranking, SQL) holds the GIL in slices; hand
        # it back to the UI thread every 2 ms instead of CPython's default 5 ms.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        if not self._loop.isRunning():
            self._loop.start(QThread.Priority.LowPriority)

    def post(self, event: Any) -> None:
        """Hand one intake event (CallStarted, Utterance, ActionTaken, CallEnded) to the session."""
        self._send("event", event)

    def accept(self, action_id: str, step_id: str | None = None) -> None:
        """The agent takes a suggestion."""
        self._send("accept", action_id, step_id)

    def dismiss(self, action_id: str, reason: str) -> None:
        """The agent dismisses a suggestion, saying why."""
        self._send("dismiss", action_id, reason)

    def record_outcome(self, action_id: str, outcome: str) -> None:
        """What came of an accepted action."""
        self._send("outcome", action_id, outcome)

    def confirm_wrap_up(self, summary: str, disposition: str) -> None:
        """Store the (edited) summary and disposition with the call."""
        self._send("wrap_up", summary, disposition)

    def poll_approvals(self) -> None:
        """Ask the database what supervisors decided on this call's pending requests."""
        self._send("approvals")

    def _send(self, kind: str, *args: Any) -> None:
        self._loop.commands.put(Command(kind, args))

    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._loop.isRunning()

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish the commands posted so far, end the helper process and the thread.

        A helper still loading the model is terminated at once; one that does not answer
        within ``timeout_ms`` is terminated too, so closing the window never hangs.
        """
        if self._loop.isRunning():
            self._loop.request_stop()
            if not self._loop.wait(timeout_ms):
                self._loop.abandon()
                self._loop.wait(ABANDON_WAIT_MS)

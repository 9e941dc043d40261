"""Runs the live assist session on one worker thread; the panel only renders its updates.

napari's slicer pattern: the UI thread posts commands (intake events, accept, dismiss,
wrap-up) to one worker that owns the :class:`~sayonce.assist.session.LiveSession`. Every
event is applied in order (the session's state needs all of them), but when several arrive
while the worker is busy only the newest update is sent back: latest wins, so a burst of
utterances never queues a backlog of repaints. Results cross back through queued signals.

The model and the playbook load on the worker after the window is shown, never at import.
"""

from __future__ import annotations

import logging
import queue
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from sayonce.store import Store
from sayonce.trust.principal import Principal

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.002
SessionFactory = Callable[[], Any]  # returns a LiveSession (built on the worker thread)


@dataclass(frozen=True, slots=True)
class _Command:
    kind: str  # event / accept / dismiss / outcome / wrap_up / approvals / stop
    args: tuple[Any, ...] = ()


def default_session_factory(store: Store, principal: Principal) -> SessionFactory:
    """Build the session the app uses: the active playbook, the local model, this agent."""

    def build() -> Any:
        from sayonce.assist.playbook import load_default_playbook
        from sayonce.assist.relevance import ActionIndex
        from sayonce.assist.session import LiveSession
        from sayonce.nlp.embeddings import get_encoder
        from sayonce.review import playbooks

        try:
            playbook, version = playbooks.active(store, principal)
        except KeyError:
            playbook, version = load_default_playbook(), 0
        index = ActionIndex(playbook, get_encoder())
        return LiveSession(
            playbook,
            index,
            store=store,
            agent_id=principal.agent_id,
            playbook_version=version or None,
        )

    return build


class _Loop(QThread):
    """The worker thread: builds the session, then applies commands in order."""

    ready = Signal()
    updated = Signal(object)  # AssistUpdate
    trend = Signal(object)  # list[float]: sentiment after each customer turn in the batch
    facts = Signal(object)  # list[ToldUs] of the caller
    decisions = Signal(object)  # dict[action_id, Decision]
    wrapped = Signal(int)  # interaction id the wrap-up was stored on
    failed = Signal(str)

    def __init__(self, factory: SessionFactory, store: Store | None, principal: Principal) -> None:
        super().__init__()
        self.commands: queue.Queue[_Command] = queue.Queue()
        self._factory = factory
        self._store = store
        self._principal = principal
        self.session: Any = None
        self.handled = 0  # events applied (for tests and benchmarks)

    def run(self) -> None:
        try:
            self.session = self._factory()
        except Exception as exc:  # shown in the panel; the call goes on without suggestions
            log.exception("assist session could not start")
            self.failed.emit(f"Suggestions are unavailable: {exc}")
            self.session = None
        else:
            self.ready.emit()
        while True:
            batch = [self.commands.get()]
            while not self.commands.empty():
                batch.append(self.commands.get_nowait())
            if not self._apply(batch):
                return

    def _apply(self, batch: list[_Command]) -> bool:
        latest = None
        trend: list[float] = []
        for command in batch:
            if command.kind == "stop":
                return False
            if self.session is None:
                continue
            try:
                update = self._run(command)
            except Exception as exc:
                log.exception("assist command %s failed", command.kind)
                self.failed.emit(str(exc))
                continue
            if update is not None:
                latest = update
                if update.sentiment is not None and update.sentiment not in trend[-1:]:
                    trend.append(update.sentiment)
        # Latest wins: one repaint for the whole batch, but the trend keeps every reading.
        if trend:
            self.trend.emit(trend)
        if latest is not None:
            self.updated.emit(latest)
        return True

    def _run(self, command: _Command) -> Any:
        session = self.session
        if command.kind == "event":
            update = session.handle(command.args[0])
            self.handled += 1
            if command.args[0].type == "call_started":
                self._load_facts()
            return update
        if command.kind == "accept":
            return session.accept(*command.args)
        if command.kind == "dismiss":
            return session.dismiss(*command.args)
        if command.kind == "outcome":
            session.record_outcome(*command.args)
        elif command.kind == "wrap_up":
            self.wrapped.emit(session.confirm_wrap_up(*command.args))
        elif command.kind == "approvals":
            self._poll_approvals()
        return None

    def _load_facts(self) -> None:
        call = self.session.call
        customer_id = getattr(getattr(call, "context", None), "customer_id", None)
        if self._store is None or customer_id is None:
            self.facts.emit([])
            return
        from sayonce.history.told_us import told_us
        from sayonce.identity.cluster import cluster_of

        with self._store.read() as session:
            self.facts.emit(told_us(session, cluster_of(session, customer_id), limit=12))

    def _poll_approvals(self) -> None:
        call = self.session.call
        if self._store is None or call is None:
            return
        ids = {call.log.ids.get(a): a for a in call.pending if call.log.ids.get(a) is not None}
        if not ids:
            return
        from sayonce.review.approvals import decisions

        found = decisions(self._store, self._principal, list(ids))
        self.decisions.emit({ids[d.suggestion_id]: d for d in found})


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
    ) -> None:
        """Nothing starts until :meth:`start` (call it once the window is up)."""
        super().__init__(parent)
        if factory is None:
            if store is None:
                raise ValueError("a store or a session factory is needed")
            factory = default_session_factory(store, principal)
        self._loop = _Loop(factory, store, principal)
        self._loop.setObjectName("assist")
        for name in ("ready", "updated", "trend", "facts", "decisions", "wrapped", "failed"):
            getattr(self._loop, name).connect(getattr(self, name))

    @property
    def handled(self) -> int:
        """Events the session has applied so far."""
        return self._loop.handled

    def start(self) -> None:
        """Start the worker thread (loads the model there)."""
        # The worker's Python (tokenizing, ranking, SQL) holds the GIL in slices; hand it back
        # to the UI thread every 2 ms instead of CPython's default 5 ms so paints never queue.
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
        self._loop.commands.put(_Command(kind, args))

    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._loop.isRunning()

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish the command in hand and end the thread (call before closing)."""
        if self._loop.isRunning():
            self._send("stop")
            self._loop.wait(timeout_ms)

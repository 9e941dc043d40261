"""Live intake: sources push events in, subscribers (recorder, assist, UI) get them in order.

Sources (stdin, a followed file, the loopback endpoint) call :meth:`IntakeHub.publish_line`
with each raw line; a line that is not a valid event is reported to the problem subscribers
and skipped, never raised. Events are delivered one at a time, in arrival order, on the
publishing thread. Subscribers must return quickly: a UI marshals the event to its own
thread (a queued signal), the assist engine hands it to its worker. A subscriber that
raises is reported and the others still get the event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sayonce.intake.events import (
    ActionTaken,
    CallEnded,
    CallStarted,
    EventError,
    Utterance,
    parse_event,
)

log = logging.getLogger(__name__)

IntakeEvent = CallStarted | Utterance | ActionTaken | CallEnded
EventListener = Callable[[IntakeEvent], None]
MAX_EVENT_BYTES = 64_000


@dataclass(frozen=True, slots=True)
class IntakeProblem:
    """A line that was skipped, or a subscriber that failed: where, and why."""

    where: str  # e.g. "stdin:17", "http:3", "calls.jsonl:120"
    message: str

    def __str__(self) -> str:
        """``stdin:17: field 'at': ...``."""
        return f"{self.where}: {self.message}"


ProblemListener = Callable[[IntakeProblem], None]


@dataclass(frozen=True, slots=True)
class HubCounts:
    """Events delivered and lines skipped since the hub started."""

    accepted: int
    rejected: int


class IntakeHub:
    """Thread-safe fan-out of intake events to subscribers."""

    def __init__(self) -> None:
        """An empty hub."""
        self._lock = threading.RLock()
        self._listeners: list[EventListener] = []
        self._problem_listeners: list[ProblemListener] = []
        self._accepted = 0
        self._rejected = 0

    def subscribe(self, callback: EventListener) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; return a function that unsubscribes."""
        with self._lock:
            self._listeners.append(callback)
        return lambda: self._remove(self._listeners, callback)

    def subscribe_problems(self, callback: ProblemListener) -> Callable[[], None]:
        """Call ``callback(problem)`` for every skipped line or failed subscriber."""
        with self._lock:
            self._problem_listeners.append(callback)
        return lambda: self._remove(self._problem_listeners, callback)

    def _remove(self, listeners: list, callback: object) -> None:  # type: ignore[type-arg]
        with self._lock:
            if callback in listeners:
                listeners.remove(callback)

    @property
    def counts(self) -> HubCounts:
        """How many events were delivered and lines skipped."""
        with self._lock:
            return HubCounts(self._accepted, self._rejected)

    def publish_line(self, line: str | bytes, where: str) -> bool:
        """Parse one raw line and deliver it; report and skip it when it is not an event."""
        if isinstance(line, bytes):
            if len(line) > MAX_EVENT_BYTES:
                return self._reject(where, f"event too large (over {MAX_EVENT_BYTES} bytes)")
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return self._reject(where, f"not valid UTF-8 (byte {exc.start + 1} of the line)")
        if not line.strip():
            return False
        if len(line) > MAX_EVENT_BYTES:
            return self._reject(where, f"event too large (over {MAX_EVENT_BYTES} characters)")
        try:
            event = parse_event(line, where=where)
        except EventError as exc:
            return self._reject(where, str(exc).removeprefix(f"{where}: "))
        self.publish(event)
        return True

    def publish(self, event: IntakeEvent) -> None:
        """Deliver an already parsed event to every subscriber, in order."""
        with self._lock:
            self._accepted += 1
            listeners = list(self._listeners)
            for callback in listeners:
                try:
                    callback(event)
                except Exception as exc:
                    log.exception("intake subscriber %r failed", callback)
                    self.report(IntakeProblem(f"subscriber {_name(callback)}", repr(exc)))

    def report(self, problem: IntakeProblem) -> None:
        """Tell the problem subscribers (and the log) about ``problem``."""
        log.warning("intake: %s", problem)
        with self._lock:
            listeners = list(self._problem_listeners)
        for callback in listeners:
            try:
                callback(problem)
            except Exception:
                log.exception("intake problem subscriber %r failed", callback)

    def _reject(self, where: str, message: str) -> bool:
        with self._lock:
            self._rejected += 1
        self.report(IntakeProblem(where, message))
        return False


def _name(callback: object) -> str:
    return getattr(callback, "__qualname__", None) or type(callback).__name__

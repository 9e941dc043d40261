"""Replays a recorded call (intake events, one JSON object a line) with its timing.

For demos and training: the events go into the same live session as a real telephony feed.
Each replay gets a fresh call id and starts "now", so the same file can be played again and
again without two calls colliding in the history. Speed is 1x, 4x or instant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from sayonce.config import resources_dir
from sayonce.intake.events import CallEnded, CallStarted, EventError, Utterance, parse_event
from sayonce.store import utcnow

INSTANT = 0.0
SPEEDS = (1.0, 4.0, INSTANT)


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """An event and when it happens, in milliseconds after the call started."""

    at_ms: int
    event: Any


def sample_calls() -> list[Path]:
    """The call files shipped for demos (``resources/demo/calls``)."""
    folder = resources_dir() / "demo" / "calls"
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def load_call(path: Path) -> list[TimedEvent]:
    """Parse a call file; errors name the file and line."""
    events: list[Any] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            events.append(parse_event(line, where=f"{path.name}:{number}"))
    if not events:
        raise EventError(f"{path.name}: no events in the file")
    return timeline(events)


def timeline(events: list[Any]) -> list[TimedEvent]:
    """Each event's time after the first: its ``offset_ms``, else its ``at``, else the last's."""
    start = next((e.at for e in events if getattr(e, "at", None) is not None), None)
    last = 0
    timed = []
    for event in events:
        offset = getattr(event, "offset_ms", None)
        at = getattr(event, "at", None)
        if offset is not None:
            last = max(last, offset)
        elif at is not None and start is not None:
            last = max(last, int((at - start).total_seconds() * 1000))
        timed.append(TimedEvent(last, event))
    return timed


def restamp(
    timed: list[TimedEvent], call_id: str, start: datetime, customer: str | None = None
) -> list[TimedEvent]:
    """The same call under a new id, starting at ``start`` (optionally from ``customer``)."""
    out = []
    for item in timed:
        update: dict[str, Any] = {"call_id": call_id}
        if isinstance(item.event, CallStarted | CallEnded | Utterance):
            update["at"] = start + timedelta(milliseconds=item.at_ms)
        if isinstance(item.event, CallStarted) and customer:
            update["customer"] = customer
        out.append(TimedEvent(item.at_ms, item.event.model_copy(update=update)))
    return out


class CallSimulator(QObject):
    """Emits a recorded call's events on the UI thread, on a timer."""

    event_due = Signal(object)
    progress = Signal(int, int)  # events sent, total
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        """An idle simulator; :meth:`load` a call, then :meth:`play`."""
        super().__init__(parent)
        self._events: list[TimedEvent] = []
        self._next = 0
        self._speed = 1.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._send_due)

    def load(
        self, source: Path | list[Any], call_id: str | None = None, customer: str | None = None
    ) -> None:
        """Load a call file (or a list of events) to replay as a new call (from ``customer``)."""
        self.stop()
        timed = load_call(source) if isinstance(source, Path) else timeline(source)
        stem = source.stem if isinstance(source, Path) else "call"
        new_id = call_id or f"sim-{stem}-{uuid.uuid4().hex[:8]}"
        self._events = restamp(timed, new_id, utcnow(), customer)
        self._next = 0

    @property
    def total(self) -> int:
        """Events in the loaded call."""
        return len(self._events)

    @property
    def sent(self) -> int:
        """Events sent so far."""
        return self._next

    def set_speed(self, speed: float) -> None:
        """1.0 real time, 4.0 four times faster, 0 instant."""
        self._speed = speed

    def is_playing(self) -> bool:
        """Whether a replay is under way."""
        return self._timer.isActive()

    def play(self) -> None:
        """Start (or resume) the replay."""
        if self._next < len(self._events):
            self._schedule()

    def pause(self) -> None:
        """Hold the replay where it is."""
        self._timer.stop()

    def stop(self) -> None:
        """Stop and forget the rest of the call."""
        self._timer.stop()
        self._next = len(self._events)

    def _schedule(self) -> None:
        item = self._events[self._next]
        previous = self._events[self._next - 1].at_ms if self._next else item.at_ms
        gap = 0 if self._speed == INSTANT else (item.at_ms - previous) / self._speed
        self._timer.start(max(0, int(gap)))

    def _send_due(self) -> None:
        # "Instant" still yields to the event loop between events, so the window repaints.
        item = self._events[self._next]
        self._next += 1
        self.event_due.emit(item.event)
        self.progress.emit(self._next, len(self._events))
        if self._next < len(self._events):
            self._schedule()
        else:
            self.finished.emit()

"""Measure event-loop stalls: a 5 ms heartbeat timer records every gap longer than it should be.

If the UI thread is blocked (a query, a model load, a long paint) the next tick comes late;
the longest gap is the longest the agent would have seen the window freeze.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

BEAT_MS = 5


class StallMeter(QObject):
    """Counts how late each 5 ms heartbeat arrives while running."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Not started."""
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        """Begin (or restart) measuring."""
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        """Stop; return the longest gap in milliseconds."""
        self._beat()
        self._timer.stop()
        return self.max_ms

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    @property
    def max_ms(self) -> float:
        """The longest gap between beats so far (ms)."""
        return max(self.gaps, default=0.0)

    def over(self, limit_ms: float) -> int:
        """How many gaps exceeded ``limit_ms``."""
        return sum(1 for gap in self.gaps if gap > limit_ms)

"""Does the window stay responsive while suggestions are computed? Event-loop stalls, measured.

A QTimer heartbeat ticks every few milliseconds on the UI thread while the shipped sample
calls are replayed into the live call panel (real MiniLM model, real session, SQLite writes),
the session running where the app runs it: in the assist helper process. The gap between two
heartbeats is how long the UI could not react; its floor is the same heartbeat with the
window idle. The helper's start (a new process loads torch and the model) is measured too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from sayonce.bench import Context, Result, benchmark, median, p95

HEARTBEAT_MS = 5
TARGET_MAX_MS = 50.0  # a stall under one frame at 20 fps is not noticeable when typing


def _app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


class _Heartbeat:
    """Records the gaps between ticks of a fast timer on the UI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps


def _spin(app: Any, seconds: float, until: Any = None) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.001)


def _replay(app: Any, panel: Any, path: Any, speed: float) -> tuple[list[float], list[float]]:
    from sayonce.ui.call_simulator import CallSimulator

    simulator = CallSimulator()
    simulator.event_due.connect(panel.post)
    latencies: list[float] = []
    panel.worker.updated.connect(lambda update: latencies.append(update.latency_ms))
    simulator.load(path)
    simulator.set_speed(speed)
    beat = _Heartbeat()
    beat.start()
    simulator.play()
    handled = panel.worker.handled
    _spin(app, 300, lambda: panel.worker.handled >= handled + simulator.total)
    _spin(app, 0.2)
    return beat.stop(), latencies


@benchmark("assist_ui")
def event_loop_stalls(ctx: Context) -> Iterable[Result]:
    """UI-thread stalls while calls are replayed into the live call panel."""
    from sayonce.store import Role, open_store
    from sayonce.trust.principal import Principal
    from sayonce.ui.assist_worker import AssistWorker
    from sayonce.ui.call_simulator import sample_calls
    from sayonce.ui.live_call_panel import LiveCallPanel

    app = _app()
    store = open_store(f"sqlite:///{ctx.workdir / 'assist_ui.sqlite3'}")
    principal = Principal("bench", Role.AGENT, None)
    worker = AssistWorker(store, principal)
    panel = LiveCallPanel(worker)
    panel.resize(1100, 760)
    panel.show()
    idle = _Heartbeat()
    loaded: list[str] = []
    worker.ready.connect(lambda: loaded.append(""))
    worker.failed.connect(loaded.append)
    idle.start()
    worker.start()  # the helper process loads the model while the window is up
    _spin(app, 300, lambda: bool(loaded))
    load_gaps = idle.stop()
    if not loaded or loaded[0]:
        worker.stop()
        store.dispose()
        raise RuntimeError(
            f"the assist session did not start: {loaded[0] if loaded else 'timeout'}"
        )
    floor = _Heartbeat()
    floor.start()
    _spin(app, 1.0)
    floor_gaps = floor.stop()
    calls = sample_calls()[:1] if ctx.quick else sample_calls()
    speeds = (0.0,) if ctx.quick else (0.0, 4.0)
    try:
        for speed in speeds:
            gaps: list[float] = []
            latencies: list[float] = []
            for path in calls:
                more_gaps, more_latencies = _replay(app, panel, path, speed)
                gaps += more_gaps
                latencies += more_latencies
            label = "instant" if speed == 0 else f"{speed:g}x"
            yield Result(
                f"ui heartbeat gap, replay {label}",
                median(gaps),
                "ms",
                floor=median(floor_gaps),
                p95=p95(gaps),
                target=f"max <= {TARGET_MAX_MS:g} ms",
                note=f"max {max(gaps):.1f} ms over {len(gaps)} beats, {len(calls)} calls",
            )
            if latencies:
                yield Result(
                    f"assist update on worker, replay {label}",
                    median(latencies),
                    "ms",
                    p95=p95(latencies),
                    note=f"{len(latencies)} updates rendered (latest wins)",
                )
        yield Result(
            "ui heartbeat gap while the helper process loads the model",
            median(load_gaps),
            "ms",
            floor=median(floor_gaps),
            p95=p95(load_gaps),
            note=f"max {max(load_gaps):.1f} ms",
        )
    finally:
        worker.stop()
        panel.close()
        store.dispose()

"""Background work for the desktop: one worker thread per kind of work, results on the UI thread.

The Anki/napari pattern: the UI snapshots what a task needs, hands a plain function to a
:class:`TaskRunner`, and gets the result back through a queued signal. Tasks submitted with
the same ``key`` are "latest wins": a queued older one is skipped, and a result that arrives
after a newer submit is dropped, so a fast typist never sees stale search results.
"""

from __future__ import annotations

import itertools
import logging
import queue
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
# Every runner ever made, so tests can check none is left running (napari does the same).
RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()
Failed = Callable[[BaseException], None]


@dataclass(slots=True)
class _Task:
    ticket: int
    key: str | None
    fn: Callable[[], Any]
    on_done: Done | None
    on_error: Failed | None


class _Worker(QThread):
    finished_task = Signal(int, object, object)  # ticket, result, error

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self._runner = runner
        self.jobs: queue.Queue[_Task | None] = queue.Queue()

    def run(self) -> None:
        while True:
            task = self.jobs.get()
            if task is None:
                return
            if self._runner.is_stale(task):
                self.finished_task.emit(task.ticket, None, None)
                continue
            try:
                result, error = task.fn(), None
            except BaseException as exc:  # reported on the UI thread, never kills the worker
                log.debug("task failed: %s", "".join(traceback.format_exception(exc)))
                result, error = None, exc
            self.finished_task.emit(task.ticket, result, error)


class TaskRunner(QObject):
    """A single background thread running tasks in order; results come back as callbacks."""

    idle = Signal()
    failed = Signal(object)  # an exception no task handled
    task_failed = Signal(object)  # every exception, handled or not (e.g. to notice an outage)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        """Start the worker thread ``name``."""
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._tasks: dict[int, _Task] = {}
        self._latest: dict[str, int] = {}
        self._worker = _Worker(self)
        self._worker.setObjectName(name)
        self._worker.finished_task.connect(self._on_finished)
        self._worker.start()
        RUNNERS.add(self)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        key: str | None = None,
    ) -> int:
        """Queue ``fn``; return its ticket. With ``key``, only the newest task of it counts."""
        task = _Task(next(self._ids), key, fn, on_done, on_error)
        self._tasks[task.ticket] = task
        if key is not None:
            self._latest[key] = task.ticket
        self._worker.jobs.put(task)
        return task.ticket

    def is_stale(self, task: _Task) -> bool:
        """Whether a newer task with the same key was submitted (read from the worker)."""
        return task.key is not None and self._latest.get(task.key, task.ticket) != task.ticket

    def pending(self) -> int:
        """Tasks queued or running."""
        return len(self._tasks)

    def running(self) -> bool:
        """The worker thread is alive."""
        return self._worker.isRunning()

    def is_idle(self) -> bool:
        """Nothing queued or running."""
        return not self._tasks

    def _on_finished(self, ticket: int, result: Any, error: BaseException | None) -> None:
        task = self._tasks.pop(ticket, None)
        if error is not None:
            self.task_failed.emit(error)
        if task is not None and not self.is_stale(task):
            if error is None:
                if task.on_done is not None:
                    task.on_done(result)
            elif task.on_error is not None:
                task.on_error(error)
            else:
                self.failed.emit(error)
        if not self._tasks:
            self.idle.emit()

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish the queued tasks' current one and end the thread (call before quitting)."""
        if not self._worker.isRunning():
            return
        for task in self._tasks.values():
            if task.key is not None:
                self._latest[task.key] = -1  # queued tasks are skipped, not run
        self._worker.jobs.put(None)
        self._worker.wait(timeout_ms)
        self._tasks.clear()

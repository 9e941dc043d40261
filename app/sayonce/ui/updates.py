"""Staying current: other workstations' writes, and the database going away and coming back.

Both run on the database worker. About once a second a cheap change marker
(:mod:`sayonce.intake.changes`) is compared; when it names the open customer the window
refreshes. A :class:`~sayonce.trust.health.ConnectionWatch` checks the connection every few
seconds (at once after a failed query) and backs off while the database is away; the window
shows a banner meanwhile and reloads by itself when it is back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.orm import Session

from sayonce.history.desk import Desk
from sayonce.intake.changes import ChangeMarker, ChangeSet, changed_since, latest_change_marker
from sayonce.trust.health import ConnectionState, ConnectionWatch, is_transient
from sayonce.ui.tasks import TaskRunner

T = TypeVar("T")


def _read(desk: Desk, query: Callable[[Session], T]) -> T:
    with desk.store.read() as session:
        return query(session)


class Updates(QObject):
    """Polls for changes and watches the connection for one window."""

    changed = Signal(frozenset)  # customer ids (and their roots) written elsewhere
    connection = Signal(object)  # ConnectionState, after every check

    def __init__(self, runner: TaskRunner, poll_ms: int, parent: QObject | None = None) -> None:
        """Idle until :meth:`start`."""
        super().__init__(parent)
        self._runner = runner
        self._desk: Desk | None = None
        self._marker: ChangeMarker | None = None
        self._watch: ConnectionWatch | None = None
        self._poll = QTimer(self, interval=poll_ms)
        self._poll.timeout.connect(self._poll_changes)
        self._health = QTimer(self, singleShot=True)
        self._health.timeout.connect(self._check)
        runner.task_failed.connect(self._maybe_offline)

    def start(self, desk: Desk) -> None:
        """Begin polling ``desk``'s store."""
        self._desk = desk
        self._runner.submit(lambda: _read(desk, latest_change_marker), self._set_marker)
        self._poll.start()
        self._watch = ConnectionWatch(desk.store)
        self._health.start(int(self._watch.healthy_interval * 1000))

    def stop(self) -> None:
        """Stop both timers."""
        self._poll.stop()
        self._health.stop()

    @property
    def online(self) -> bool:
        """The last check found the database."""
        return self._watch is None or self._watch.state.online

    def _set_marker(self, marker: ChangeMarker) -> None:
        self._marker = marker

    def _poll_changes(self) -> None:
        desk, marker = self._desk, self._marker
        if desk is None or marker is None or not self._runner.is_idle():
            return  # a busy worker means the window is doing something more urgent
        poll = partial(changed_since, marker=marker)
        self._runner.submit(lambda: _read(desk, poll), self._changes, key="changes")

    def _changes(self, changes: ChangeSet) -> None:
        self._marker = changes.marker
        if changes:
            self.changed.emit(frozenset(changes.customer_ids | changes.root_ids))

    def _maybe_offline(self, exc: BaseException) -> None:
        if is_transient(exc) and self.online and self._watch is not None:
            self._health.start(0)  # look now rather than at the next regular check

    def _check(self) -> None:
        if self._watch is not None:
            self._runner.submit(self._watch.poll, self._checked, key="health")

    def _checked(self, state: ConnectionState) -> None:
        self._health.start(int(state.next_check_in * 1000))
        self.connection.emit(state)

"""Shared teardown rule for the live-assist and review UI tests: nothing left running."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from sayonce.ui import tasks, themes


@pytest.fixture(autouse=True)
def nothing_left_running(qapp: QApplication) -> Any:
    """Fail a test that leaves a worker thread or an active QTimer behind (napari's rule)."""
    themes.apply(qapp, "light")
    yield
    qapp.processEvents()
    runners = [r for r in tasks.RUNNERS if r.running()]
    threads = [t.objectName() for t in qapp.findChildren(QThread) if t.isRunning()]
    timers = [
        t.objectName() or repr(t)
        for w in qapp.allWidgets()
        for t in w.findChildren(QTimer)
        if t.isActive()
    ]
    assert not runners, f"task runners still running: {runners}"
    assert not threads, f"threads still running: {threads}"
    assert not timers, f"timers still active: {timers}"

"""The Qt binding must not leak or drop references on signal emission (PySide6 6.12 did)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(int)


def test_emitting_signals_keeps_singleton_refcounts(qtbot: object) -> None:
    emitter = _Emitter()
    received: list[int] = []
    emitter.changed.connect(received.append)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(500):
        emitter.changed.emit(i)
    assert len(received) == 500
    # a little slack for unrelated references made meanwhile; 6.12.0 lost exactly 500
    assert abs(sys.getrefcount(True) - before_true) < 50
    assert abs(sys.getrefcount(None) - before_none) < 50

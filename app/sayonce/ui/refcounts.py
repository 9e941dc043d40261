"""Keep Python's None, True and False alive under PySide6 6.12 on Python 3.11.

PySide6 6.12 drops one reference to ``None`` each time it calls a Python override or slot
that returns ``None`` (``data()`` for an unknown role, ``paintEvent``, a timer's slot) and one
reference to ``True`` on every ``Signal.emit()`` made from Python. On Python 3.12+ these
objects are immortal and the bug is harmless; on 3.11 their count reaches zero after some
thousands of calls and the interpreter aborts ("deallocating None"). Giving each singleton a
very large reference count at start makes them effectively immortal here too.
"""

from __future__ import annotations

import ctypes
import sys

# 2**40 references: at one lost reference per call that is decades of continuous use.
HEADROOM = 1 << 40
_pinned = False


def pin_singletons() -> None:
    """Give None, True and False enough references to outlive PySide's leaks (idempotent)."""
    global _pinned
    if _pinned or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        # CPython: id() is the object's address and ob_refcnt (a Py_ssize_t) comes first.
        ctypes.c_ssize_t.from_address(id(singleton)).value += HEADROOM
    _pinned = True

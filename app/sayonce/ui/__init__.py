"""The Qt desktop: a thin layer over the core that renders and reacts.

PySide6 is pinned to 6.11.3: 6.12.0 on Python 3.11 drops a reference to ``True``/``None`` on
every ``Signal.emit()`` and slot return, and aborts the process after a few thousand calls
(``tests/test_ui_qt_binding.py`` guards against a regression).
"""

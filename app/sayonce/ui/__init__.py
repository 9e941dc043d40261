"""The Qt desktop: a thin layer over the core that renders and reacts."""

from sayonce.ui.refcounts import pin_singletons

# Before any PySide6 call: see sayonce.ui.refcounts (a PySide6 6.12 bug on Python 3.11).
pin_singletons()

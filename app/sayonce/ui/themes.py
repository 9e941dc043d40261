"""Light and dark themes: colour tokens from ``resources/themes/*.json`` applied to a QSS file.

Widgets that paint themselves (the timeline delegate, icons) ask :func:`current` for colours,
so both themes stay consistent and easy to read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from sayonce.config import resources_dir

THEMES = ("light", "dark")
# Channel and kind colours: mid tones legible on both backgrounds (lightened for dark).
KIND_COLORS = {
    "call": "#2563eb",
    "chat": "#0d9488",
    "email": "#7c3aed",
    "sms": "#0891b2",
    "social": "#db2777",
    "web": "#4f46e5",
    "store": "#b45309",
    "survey": "#ca8a04",
    "order": "#16a34a",
    "loyalty": "#d97706",
    "campaign": "#9333ea",
    "note": "#64748b",
    "case": "#dc2626",
    "promise": "#2563eb",
    "problem": "#dc2626",
    "tried": "#0d9488",
    "order_number": "#16a34a",
    "preference": "#db2777",
}


@dataclass(frozen=True)
class Theme:
    """A named set of colour tokens."""

    name: str
    tokens: dict[str, str]

    def color(self, token: str) -> QColor:
        """The colour of ``token`` (``text``, ``muted``, ``accent`` ...)."""
        return QColor(self.tokens[token])

    def kind_color(self, kind: str) -> QColor:
        """The colour of a channel or item kind, tuned for this theme."""
        base = QColor(KIND_COLORS.get(kind, "#64748b"))
        return base.lighter(int(self.tokens.get("icon_lighten", "100")))

    @property
    def dark(self) -> bool:
        """Whether this is a dark theme."""
        return self.color("window").lightness() < 128


@cache
def load(name: str) -> Theme:
    """The theme ``name`` (``light`` or ``dark``)."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    path = resources_dir() / "themes" / f"{name}.json"
    return Theme(name, json.loads(path.read_text(encoding="utf-8")))


def stylesheet(theme: Theme) -> str:
    """The QSS with every ``@token`` replaced by the theme's colour."""
    template = (resources_dir() / "themes" / "desktop.qss").read_text(encoding="utf-8")
    return re.sub(r"@(\w+)", lambda m: theme.tokens.get(m.group(1), m.group(0)), template)


_current: Theme | None = None


def current() -> Theme:
    """The theme in use (light until one is applied)."""
    return _current or load("light")


def _palette(theme: Theme) -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "surface",
        QPalette.ColorRole.AlternateBase: "surface_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "surface",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Highlight: "selection",
        QPalette.ColorRole.HighlightedText: "selection_text",
        QPalette.ColorRole.ToolTipBase: "surface",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "muted",
        QPalette.ColorRole.Link: "accent",
    }
    for role, token in roles.items():
        palette.setColor(role, theme.color(token))
    return palette


def apply(app: QApplication, name: str) -> Theme:
    """Make ``name`` the application's theme."""
    global _current
    theme = load(name)
    _current = theme
    app.setPalette(_palette(theme))
    app.setStyleSheet(stylesheet(theme))
    return theme

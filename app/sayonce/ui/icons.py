"""Crisp icons: SVGs from ``resources/icons`` rendered at the screen's pixel ratio, in colour."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from sayonce.config import resources_dir

# The stroke colour the SVG files are drawn with; replaced by the colour asked for.
_INK = "#1f2937"


@cache
def _svg(name: str) -> str:
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        path = resources_dir() / "icons" / "note.svg"
    return path.read_text(encoding="utf-8")


@cache
def pixmap(name: str, color: str, size: int, ratio: float = 2.0) -> QPixmap:
    """Icon ``name`` drawn in ``color`` at ``size`` logical pixels."""
    renderer = QSvgRenderer(QByteArray(_svg(name).replace(_INK, color).encode("utf-8")))
    side = max(1, round(size * ratio))
    image = QPixmap(side, side)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


def icon(name: str, color: QColor | str) -> QIcon:
    """A QIcon of ``name`` in ``color``, sharp at 16-32 px on any screen."""
    hex_color = color.name() if isinstance(color, QColor) else color
    result = QIcon()
    for size in (16, 20, 24, 32):
        result.addPixmap(pixmap(name, hex_color, size))
    return result

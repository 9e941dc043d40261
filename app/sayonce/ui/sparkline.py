"""A small painted line of the customer's sentiment during the call (-1 .. +1).

QtCharts is not part of PySide6-Essentials, and a sparkline needs a dozen lines of QPainter.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from sayonce.ui import themes

MAX_POINTS = 60
MIN_SLOTS = 16


def tone_of(value: float | None) -> str:
    """The theme token for a sentiment value."""
    if value is None:
        return "muted"
    if value <= -0.25:
        return "danger"
    if value >= 0.25:
        return "ok"
    return "warn" if value < 0.05 else "muted"


class SentimentSparkline(QWidget):
    """The trend of sentiment values, the zero line, and the latest value as a dot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: list[float] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Sentiment trend")

    def sizeHint(self) -> QSize:
        return QSize(180, 38)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 30)

    @property
    def values(self) -> list[float]:
        """The points drawn, oldest first."""
        return list(self._values)

    def add(self, value: float) -> None:
        """Append a reading (clamped to -1 .. 1)."""
        self._values.append(max(-1.0, min(1.0, value)))
        del self._values[:-MAX_POINTS]
        self.setToolTip(f"Sentiment now {value:+.2f} ({len(self._values)} readings)")
        self.update()

    def clear(self) -> None:
        """Forget the readings (a new call)."""
        self._values.clear()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        theme = themes.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(4, 5, -8, -5)
        zero = box.center().y()
        painter.setPen(QPen(theme.color("border"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(box.left(), zero), QPointF(box.right(), zero))
        if not self._values:
            return
        points = self._points(box)
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        last = self._values[-1]
        color = theme.color(tone_of(last))
        pen = QPen(color, 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)
        halo = QColor(color)
        halo.setAlpha(60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(halo)
        painter.drawEllipse(points[-1], 6, 6)
        painter.setBrush(color)
        painter.drawEllipse(points[-1], 3, 3)

    def _points(self, box: QRectF) -> list[QPointF]:
        # A short call grows from the left at a fixed pace; a long one is squeezed to fit.
        slots = max(len(self._values), MIN_SLOTS) - 1
        step = box.width() / slots
        return [
            QPointF(box.left() + i * step, box.center().y() - v * box.height() / 2)
            for i, v in enumerate(self._values)
        ]

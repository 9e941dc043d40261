"""Horizontal bar chart of acceptance and outcome rates, painted with QPainter.

QtCharts is not part of PySide6-Essentials; two bars per row with labels and a legend are a
few dozen lines of painting and keep the installer small.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from sayonce.ui import themes

ROW_HEIGHT = 34
LABEL_WIDTH = 170
LEGEND_HEIGHT = 26
SERIES = (("Acceptance", "accent"), ("Outcome success", "ok"))


@dataclass(frozen=True, slots=True)
class Bar:
    """One row: a label, its two rates (``None`` = no data) and how many were shown."""

    label: str
    acceptance: float | None
    outcome: float | None
    shown: int


class RateBarChart(QWidget):
    """Acceptance and outcome rate per action, agent or segment."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[Bar] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Acceptance and outcome rates chart")

    def set_bars(self, bars: list[Bar]) -> None:
        """Show ``bars`` (top to bottom)."""
        self.bars = list(bars)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, LEGEND_HEIGHT + max(3, len(self.bars)) * ROW_HEIGHT + 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, LEGEND_HEIGHT + 3 * ROW_HEIGHT)

    def paintEvent(self, _event: QPaintEvent) -> None:
        theme = themes.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._legend(painter)
        if not self.bars:
            painter.setPen(theme.color("muted"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No suggestions yet")
            return
        plot_left = LABEL_WIDTH + 8
        plot_width = max(60, self.width() - plot_left - 110)
        self._grid(painter, plot_left, plot_width)
        for number, bar in enumerate(self.bars):
            top = LEGEND_HEIGHT + number * ROW_HEIGHT
            self._row(painter, bar, top, plot_left, plot_width)

    def _legend(self, painter: QPainter) -> None:
        theme = themes.current()
        x = LABEL_WIDTH + 8
        metrics = QFontMetrics(self.font())
        for name, token in SERIES:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.color(token))
            painter.drawRoundedRect(QRectF(x, 8, 12, 10), 2, 2)
            painter.setPen(theme.color("muted"))
            painter.drawText(int(x + 17), 18, name)
            x += 17 + metrics.horizontalAdvance(name) + 18

    def _grid(self, painter: QPainter, left: int, width: int) -> None:
        theme = themes.current()
        bottom = LEGEND_HEIGHT + len(self.bars) * ROW_HEIGHT
        for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
            x = left + tick * width
            painter.setPen(theme.color("border"))
            painter.drawLine(int(x), LEGEND_HEIGHT - 2, int(x), bottom)
        painter.setPen(theme.color("muted"))
        painter.drawText(int(left + width + 6), 18, "100%")

    def _row(self, painter: QPainter, bar: Bar, top: int, left: int, width: int) -> None:
        theme = themes.current()
        metrics = QFontMetrics(self.font())
        label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 4)
        painter.setPen(theme.color("text"))
        box = QRectF(0, top, LABEL_WIDTH, ROW_HEIGHT)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)
        for offset, (value, (_, token)) in enumerate(
            zip((bar.acceptance, bar.outcome), SERIES, strict=True)
        ):
            y = top + 7 + offset * 11
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.color("chip"))
            painter.drawRoundedRect(QRectF(left, y, width, 9), 3, 3)
            if value is not None:
                painter.setBrush(theme.color(token))
                painter.drawRoundedRect(QRectF(left, y, max(3.0, width * value), 9), 3, 3)
        painter.setPen(theme.color("muted"))
        text = "—" if bar.acceptance is None else f"{bar.acceptance:.0%}"
        painter.drawText(int(left + width + 6), top + 21, f"{text}  n={bar.shown}")

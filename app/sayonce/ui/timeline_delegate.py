"""How one timeline row is painted: a channel badge, title and time, a meta line and a snippet."""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sayonce.history.items import TimelineItem
from sayonce.ui import themes
from sayonce.ui.icons import pixmap
from sayonce.ui.timeline_model import AtRole, ItemRole

ROW_HEIGHT = 70
BADGE = 34
PAD = 12
# Below this text width (the timeline beside a docked live-call panel on a 1366 px screen) the
# time moves to the meta line, so the title gets the whole first line.
NARROW_TEXT_WIDTH = 420


def line_widths(width: int, time_width: int) -> tuple[int, int, int]:
    """(title, meta, line of the time: 0 or 1) for a row with ``width`` px of text."""
    shared = max(0, width - time_width - 8)
    if width < NARROW_TEXT_WIDTH:
        return width, shared, 1
    return shared, width, 0


@cache
def badge_pixmap(kind: str, theme_name: str, ratio: float = 2.0) -> QPixmap:
    """The round, tinted channel badge (drawn once per kind and theme, then reused)."""
    theme = themes.load(theme_name)
    color = theme.kind_color(kind)
    tint = QColor(color)
    tint.setAlpha(60 if theme.dark else 34)
    side = round(BADGE * ratio)
    image = QPixmap(side, side)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(tint)
    painter.drawEllipse(0, 0, side, side)
    glyph = pixmap(kind, color.name(), 18, ratio)
    offset = round((BADGE - 18) / 2 * ratio)
    painter.drawPixmap(QRect(offset, offset, round(18 * ratio), round(18 * ratio)), glyph)
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


class TimelineDelegate(QStyledItemDelegate):
    """Paints :class:`~sayonce.history.items.TimelineItem` rows."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        """Every row has the same height (the view can then skip measuring)."""
        return QSize(0, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw one row."""
        item: TimelineItem | None = index.data(ItemRole)
        if item is None:
            return
        theme = themes.current()
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, theme.color("selection"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, theme.color("surface_alt"))
        painter.setPen(theme.color("border"))
        painter.drawLine(rect.left() + PAD, rect.bottom(), rect.right() - PAD, rect.bottom())
        self._badge(painter, rect, item.channel, theme)
        self._texts(painter, rect, item, index.data(AtRole) or "", option, theme)
        painter.restore()

    def _badge(self, painter: QPainter, rect: QRect, kind: str, theme: themes.Theme) -> None:
        top = rect.top() + (ROW_HEIGHT - BADGE) // 2
        painter.drawPixmap(rect.left() + PAD, top, badge_pixmap(kind, theme.name))

    def _texts(
        self,
        painter: QPainter,
        rect: QRect,
        item: TimelineItem,
        when: str,
        option: QStyleOptionViewItem,
        theme: themes.Theme,
    ) -> None:
        left = rect.left() + PAD * 2 + BADGE
        width = rect.right() - PAD - left
        base: QFont = QFont(option.font)  # type: ignore[attr-defined]
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        text = theme.color("selection_text" if selected else "text")
        muted = theme.color("selection_text" if selected else "muted")
        # line 1: title ............ time (the time drops to line 2 when the row is narrow)
        painter.setFont(small)
        time_width = QFontMetrics(small).horizontalAdvance(when) + 4
        title_width, meta_width, time_line = line_widths(width, time_width)
        painter.setPen(muted)
        top = rect.top() + 9
        painter.drawText(
            QRect(rect.right() - PAD - time_width, top + 20 * time_line, time_width, 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        painter.setFont(bold)
        painter.setPen(text)
        title = QFontMetrics(bold).elidedText(item.title, Qt.TextElideMode.ElideRight, title_width)
        painter.drawText(QRect(left, top, title_width, 20), Qt.AlignmentFlag.AlignVCenter, title)
        # line 2: meta; line 3: snippet
        painter.setFont(small)
        painter.setPen(muted)
        meta = QFontMetrics(small).elidedText(item.meta, Qt.TextElideMode.ElideRight, meta_width)
        painter.drawText(QRect(left, top + 20, meta_width, 18), Qt.AlignmentFlag.AlignVCenter, meta)
        painter.setFont(base)
        painter.setPen(text)
        snippet = QFontMetrics(base).elidedText(item.snippet, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, top + 38, width, 20), Qt.AlignmentFlag.AlignVCenter, snippet)

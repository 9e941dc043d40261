"""Painting of transcript bubbles and suggestion cards (theme colours, word-wrapped)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sayonce.ui import themes
from sayonce.ui.live_call_models import (
    BADGE_ROLE,
    REASONS_ROLE,
    SCORE_ROLE,
    SPEAKER_ROLE,
    Index,
)
from sayonce.ui.themes import Theme

PAD = 10
GAP = 6
WRAP = Qt.TextFlag.TextWordWrap
SPEAKER_NAMES = {"customer": "Customer", "agent": "You", "bot": "Bot", "system": "System"}


def _small(font: QFont, delta: float = -1.5, bold: bool = False) -> QFont:
    smaller = QFont(font)
    smaller.setPointSizeF(max(7.0, font.pointSizeF() + delta))
    smaller.setBold(bold)
    return smaller


class TranscriptDelegate(QStyledItemDelegate):
    """Customer lines on the left, the agent's on the right, as chat bubbles."""

    def _bubble_width(self, option: QStyleOptionViewItem) -> int:
        return max(120, int(option.rect.width() * 0.8))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self._bubble_width(option) - 2 * PAD
        text = QFontMetrics(option.font).boundingRect(0, 0, width, 10_000, WRAP, index.data())
        label = QFontMetrics(_small(option.font)).height()
        return QSize(option.rect.width(), text.height() + label + 2 * PAD + GAP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        theme = themes.current()
        speaker = index.data(SPEAKER_ROLE) or "customer"
        customer = speaker == "customer"
        width = self._bubble_width(option)
        metrics = QFontMetrics(option.font)
        text_rect = metrics.boundingRect(0, 0, width - 2 * PAD, 10_000, WRAP, index.data())
        label_font = _small(option.font, bold=True)
        label_h = QFontMetrics(label_font).height()
        bubble_w = max(text_rect.width(), 90) + 2 * PAD
        height = text_rect.height() + label_h + 2 * PAD - 2
        left = option.rect.left() + 4 if customer else option.rect.right() - bubble_w - 4
        bubble = QRectF(left, option.rect.top() + GAP / 2, bubble_w, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = theme.color("surface_alt") if customer else theme.color("accent_soft")
        painter.setPen(QPen(theme.color("border"), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 9, 9)
        painter.setFont(label_font)
        painter.setPen(theme.kind_color("call") if customer else theme.color("accent"))
        inner = bubble.toRect().adjusted(PAD, PAD - 3, -PAD, -PAD)
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft, SPEAKER_NAMES.get(speaker, speaker))
        painter.setFont(option.font)
        painter.setPen(theme.color("text"))
        painter.drawText(inner.adjusted(0, label_h, 0, 0), WRAP, index.data())
        painter.restore()


class SuggestionDelegate(QStyledItemDelegate):
    """A card: title, score bar, status badge, and the reasons underneath."""

    MAX_REASONS = 3

    def _reasons(self, index: Index) -> list[str]:
        return list(index.data(REASONS_ROLE) or ())[: self.MAX_REASONS]

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        title = QFontMetrics(_small(option.font, 0.5, True))
        small = QFontMetrics(_small(option.font))
        width = option.rect.width() - 2 * PAD - 12
        badge = index.data(BADGE_ROLE)
        right = 70 + (self._badge_width(option, badge) + 8 if badge else 0)
        title_h = title.boundingRect(
            0, 0, max(60, width - right), 1000, WRAP, index.data()
        ).height()
        reasons_h = sum(
            small.boundingRect(0, 0, width, 1000, WRAP, f"• {r}").height()
            for r in self._reasons(index)
        )
        return QSize(option.rect.width(), title_h + reasons_h + 2 * PAD + GAP + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        theme = themes.current()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        card = QRectF(option.rect).adjusted(2, GAP / 2, -2, -GAP / 2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(
            QPen(theme.color("accent" if selected else "border"), 1.5 if selected else 1)
        )
        painter.setBrush(theme.color("selection" if selected else "surface"))
        painter.drawRoundedRect(card, 9, 9)
        inner = card.toRect().adjusted(PAD + 2, PAD - 2, -PAD, -PAD)
        top = self._paint_header(painter, option, index, inner, theme)
        self._paint_reasons(painter, option, index, inner.adjusted(0, top, 0, 0), theme)
        painter.restore()

    def _paint_header(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        inner: QRect,
        theme: Theme,
    ) -> int:
        title_font = _small(option.font, 0.5, True)
        painter.setFont(title_font)
        painter.setPen(theme.color("text"))
        badge = index.data(BADGE_ROLE)
        right = 70 + (self._badge_width(option, badge) + 8 if badge else 0)
        title_rect = QRect(inner.left(), inner.top(), inner.width() - right, 1000)
        used = painter.boundingRect(title_rect, WRAP, index.data())
        painter.drawText(title_rect, WRAP, index.data())
        self._paint_score(painter, inner, float(index.data(SCORE_ROLE) or 0.0), theme)
        if badge:
            self._paint_badge(painter, option, inner, badge, theme)
        return used.height() + 4

    def _paint_score(self, painter: QPainter, inner: QRect, score: float, theme: Theme) -> None:
        bar = QRectF(inner.right() - 52, inner.top() + 6, 52, 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("chip"))
        painter.drawRoundedRect(bar, 2.5, 2.5)
        painter.setBrush(theme.color("accent"))
        painter.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * min(1, score), 5), 2, 2)

    def _paint_badge(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        inner: QRect,
        badge: tuple[str, str],
        theme: Theme,
    ) -> None:
        text, tone = badge
        font = _small(option.font, -2, True)
        width = self._badge_width(option, badge)
        box = QRectF(inner.right() - 60 - width, inner.top(), width, 17)
        soft = {"ok": "ok_soft", "warn": "warn_soft", "danger": "danger_soft"}.get(tone, "chip")
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color(soft))
        painter.drawRoundedRect(box, 8, 8)
        painter.setFont(font)
        painter.setPen(theme.color(tone if tone in {"ok", "warn", "danger"} else "chip_text"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _badge_width(option: QStyleOptionViewItem, badge: tuple[str, str]) -> int:
        return QFontMetrics(_small(option.font, -2, True)).horizontalAdvance(badge[0]) + 12

    def _paint_reasons(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        area: QRect,
        theme: Theme,
    ) -> None:
        painter.setFont(_small(option.font))
        painter.setPen(theme.color("muted"))
        y = area.top()
        for reason in self._reasons(index):
            rect = QRect(area.left(), y, area.width(), 1000)
            used = painter.boundingRect(rect, WRAP, f"• {reason}")
            painter.drawText(rect, WRAP, f"• {reason}")
            y += used.height()


def tone_color(tone: str) -> QColor:
    """The theme colour of a tone name (ok, warn, danger, muted, accent)."""
    return themes.current().color(tone)

"""The "already told us" panel: what the customer said before, linked to where; the brief."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.told_us import ToldUs
from sayonce.ui import themes
from sayonce.ui.icons import icon, pixmap

Index = QModelIndex | QPersistentModelIndex
FactRole = Qt.ItemDataRole.UserRole + 1
ROW_HEIGHT = 58


def _when(fact: ToldUs) -> str:
    local = fact.at.astimezone()
    return f"{local.day} {local:%b %Y}"


class ToldUsModel(QAbstractListModel):
    """The facts of the open customer."""

    def __init__(self, parent: Any = None) -> None:
        """No facts yet."""
        super().__init__(parent)
        self._facts: list[ToldUs] = []

    def set_facts(self, facts: list[ToldUs]) -> None:
        """Replace the facts."""
        self.beginResetModel()
        self._facts = list(facts)
        self.endResetModel()

    def facts(self) -> list[ToldUs]:
        """The facts shown (a copy)."""
        return list(self._facts)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """One row per fact."""
        return 0 if parent.isValid() else len(self._facts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, icon and accessible description of a fact."""
        if not index.isValid() or not 0 <= index.row() < len(self._facts):
            return None
        fact = self._facts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{fact.title}: {fact.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Said by {fact.channel} on {_when(fact)}. Enter or double-click shows where."
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = " (resolved)" if fact.resolved else ""
            return f"{fact.title}{state}: {fact.text}. Said by {fact.channel} on {_when(fact)}."
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(fact.kind, themes.current().kind_color(fact.kind))
        if role == FactRole:
            return fact
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Selectable, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


class _FactDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return QSize(0, ROW_HEIGHT)  # as wide as the view: never a horizontal scroll bar

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fact: ToldUs | None = index.data(FactRole)
        if fact is None:
            return
        theme = themes.current()
        rect: QRect = option.rect  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        if selected:
            painter.fillRect(rect, theme.color("selection"))
        color = theme.kind_color(fact.kind)
        painter.drawPixmap(rect.left() + 8, rect.top() + 10, pixmap(fact.kind, color.name(), 16))
        base = QFont(option.font)  # type: ignore[attr-defined]
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        left, width = rect.left() + 32, rect.width() - 40
        title = fact.title + (
            f"  {fact.value}" if fact.value and fact.value not in fact.text else ""
        )
        painter.setFont(bold)
        painter.setPen(color if not fact.resolved else theme.color("muted"))
        painter.drawText(
            QRect(left, rect.top() + 6, width, 18), Qt.AlignmentFlag.AlignVCenter, title
        )
        state = " · resolved" if fact.resolved else ""
        where = f"{fact.channel} · {_when(fact)}{state}"
        painter.setFont(small)
        painter.setPen(theme.color("selection_text" if selected else "muted"))
        painter.drawText(
            QRect(left, rect.top() + 6, width, 18),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            where,
        )
        painter.setFont(base)
        painter.setPen(theme.color("selection_text" if selected else "text"))
        text = QFontMetrics(base).elidedText(f"“{fact.text}”", Qt.TextElideMode.ElideRight, width)
        painter.drawText(
            QRect(left, rect.top() + 27, width, 20), Qt.AlignmentFlag.AlignVCenter, text
        )
        painter.restore()


class ToldUsPanel(QFrame):
    """The brief and the facts; activating a fact asks to show the contact it came from."""

    fact_activated = Signal(object)  # ToldUs

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty panel."""
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        brief_title = QLabel("Brief", self)
        brief_title.setObjectName("cardTitle")
        layout.addWidget(brief_title)
        self.brief = QLabel("", self)
        self.brief.setWordWrap(True)
        self.brief.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.brief.setAccessibleName("Customer brief")
        layout.addWidget(self.brief)
        title = QLabel("Already told us", self)
        title.setObjectName("cardTitle")
        layout.addSpacing(6)
        layout.addWidget(title)
        self.model = ToldUsModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setItemDelegate(_FactDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setAccessibleName("Already told us")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.activated.connect(self._activated)
        self.list.doubleClicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.empty = QLabel("Nothing yet: facts appear here as the customer tells us things.", self)
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

    def set_facts(self, facts: list[ToldUs]) -> None:
        """Show the customer's facts."""
        self.model.set_facts(facts)
        self.empty.setVisible(not facts)

    def set_brief(self, text: str, *, pending: bool = False) -> None:
        """The NLP brief, or a note that it is still on its way."""
        self.brief.setProperty("muted", pending)
        self.brief.setObjectName("muted" if pending else "")
        self.brief.setText(text)
        self.brief.style().unpolish(self.brief)
        self.brief.style().polish(self.brief)

    def _activated(self, index: QModelIndex) -> None:
        fact = index.data(FactRole)
        if fact is not None:
            self.fact_activated.emit(fact)

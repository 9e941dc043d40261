"""The "already told us" panel: what the customer said before, linked to where; the brief."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QTextLayout, QTextOption
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
MAX_TEXT_LINES = 4  # longer quotes end in "…"; the tooltip has the whole of it
ICON_SIZE = 16
TEXT_LEFT = 32  # icon column
PAD_RIGHT = 8
PAD_TOP = 6
PAD_BOTTOM = 9
LINE_GAP = 3
TITLE_GAP = 12  # least room between the title and where-and-when on the same line
LAYOUT_CACHE = 2000  # remembered item layouts (facts x widths) before starting afresh


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
            state = " (resolved)" if fact.resolved else ""
            return (
                f"{_title(fact)}{state}: “{fact.text}”\n"
                f"Said by {fact.channel} on {_when(fact)}. Enter or double-click shows where."
            )
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


Lines = list[tuple[QRect, str]]


@dataclass(frozen=True, slots=True)
class FactLayout:
    """Where the parts of one fact go, relative to the item's top-left corner.

    Every rect is as wide as the text drawn in it.
    """

    height: int
    title_lines: Lines
    where_lines: Lines
    lines: Lines  # the quote

    @property
    def title(self) -> QRect:
        """Around the title (one or two lines)."""
        return _around(self.title_lines)

    @property
    def where(self) -> QRect:
        """Around the where-and-when (one or two lines)."""
        return _around(self.where_lines)


def _around(lines: Lines) -> QRect:
    rect = QRect()
    for line, _text in lines:
        rect = rect.united(line)
    return rect


@dataclass(frozen=True, slots=True)
class _Type:
    """The three fonts of a fact and their metrics (made once per base font)."""

    base: QFont
    bold: QFont
    small: QFont
    base_m: QFontMetrics
    bold_m: QFontMetrics
    small_m: QFontMetrics


_TYPES: dict[str, _Type] = {}


def _type(font: QFont) -> _Type:
    key = font.key()
    found = _TYPES.get(key)
    if found is None:
        base = QFont(font)
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        found = _Type(
            base, bold, small, QFontMetrics(base), QFontMetrics(bold), QFontMetrics(small)
        )
        _TYPES[key] = found
    return found


def _title(fact: ToldUs) -> str:
    extra = f"  {fact.value}" if fact.value and fact.value not in fact.text else ""
    return fact.title + extra


def _where(fact: ToldUs) -> str:
    state = " · resolved" if fact.resolved else ""
    return f"{fact.channel} · {_when(fact)}{state}"


def wrap_lines(
    text: str, font: QFont, width: int, max_lines: int, metrics: QFontMetrics | None = None
) -> list[str]:
    """``text`` broken into lines at most ``width`` px wide; the last one ends in "…" if cut."""
    text = " ".join(text.split())
    metrics = metrics or QFontMetrics(font)
    if metrics.horizontalAdvance(text) <= width:
        return [text]  # the usual case, without a text layout
    units = text.encode("utf-16-le")  # QTextLayout counts UTF-16 code units

    def part(start: int, end: int | None = None) -> str:
        return units[2 * start : None if end is None else 2 * end].decode("utf-16-le", "replace")

    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines: list[str] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        start, length = line.textStart(), line.textLength()
        if len(lines) == max_lines - 1 and 2 * (start + length) < len(units):
            rest = part(start)
            lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            break
        lines.append(part(start, start + length).rstrip())
    layout.endLayout()
    return lines or [""]


def layout_fact(fact: ToldUs, font: QFont, width: int) -> FactLayout:
    """Place the title, where-and-when and the wrapped quote of ``fact`` in ``width`` px.

    The where-and-when sits at the right of the title's line when both fit with a gap, else
    title and where-and-when each get their own line(s) (up to two each); the quote wraps to at
    most :data:`MAX_TEXT_LINES` lines. Items never overlap because the view asks the delegate
    for this height at its current width and lays the list out again when it is resized.
    """
    kind = _type(font)
    base, bold, small = kind.base, kind.bold, kind.small
    bold_m, small_m, base_m = kind.bold_m, kind.small_m, kind.base_m
    inner = max(40, width - TEXT_LEFT - PAD_RIGHT)
    title, where = _title(fact), _where(fact)
    title_w, where_w = bold_m.horizontalAdvance(title), small_m.horizontalAdvance(where)
    top = PAD_TOP
    title_lines: Lines = []
    where_lines: Lines = []
    if title_w + TITLE_GAP + where_w <= inner:
        line_h = max(bold_m.height(), small_m.height())
        title_lines.append((QRect(TEXT_LEFT, top, title_w + 1, line_h), title))
        where_lines.append(
            (QRect(TEXT_LEFT + inner - where_w - 1, top, where_w + 1, line_h), where)
        )
        top += line_h
    else:
        for out, text, metrics, font_ in (
            (title_lines, title, bold_m, bold),
            (where_lines, where, small_m, small),
        ):
            for line in wrap_lines(text, font_, inner, 2, metrics):
                line_w = min(inner, metrics.horizontalAdvance(line) + 1)
                out.append((QRect(TEXT_LEFT, top, line_w, metrics.height()), line))
                top += metrics.height()
    top += LINE_GAP
    lines: Lines = []
    for text in wrap_lines(f"“{fact.text}”", base, inner, MAX_TEXT_LINES, base_m):
        lines.append((QRect(TEXT_LEFT, top, inner, base_m.height()), text))
        top += base_m.height()
    return FactLayout(top + PAD_BOTTOM, title_lines, where_lines, lines)


class _FactDelegate(QStyledItemDelegate):
    """Paints a fact over as many lines as the view's width needs (see :func:`layout_fact`)."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view
        self._layouts: dict[tuple[ToldUs, int, str], FactLayout] = {}

    def layout(self, fact: ToldUs, font: QFont, width: int) -> FactLayout:
        """:func:`layout_fact`, remembered: the view asks for every row at every layout."""
        key = (fact, width, font.key())
        found = self._layouts.get(key)
        if found is None:
            if len(self._layouts) > LAYOUT_CACHE:
                self._layouts.clear()
            found = self._layouts[key] = layout_fact(fact, font, width)
        return found

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fact: ToldUs | None = index.data(FactRole)
        if fact is None:
            return QSize(0, 0)
        width = self.view.viewport().width()  # items are as wide as the view: no h-scroll
        return QSize(0, self.layout(fact, option.font, width).height)  # type: ignore[attr-defined]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fact: ToldUs | None = index.data(FactRole)
        if fact is None:
            return
        theme = themes.current()
        rect: QRect = option.rect  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        kind = _type(option.font)  # type: ignore[attr-defined]
        base, bold, small = kind.base, kind.bold, kind.small
        parts = self.layout(fact, option.font, rect.width())  # type: ignore[attr-defined]
        painter.save()
        painter.setClipRect(rect)
        if selected:
            painter.fillRect(rect, theme.color("selection"))
        color = theme.kind_color(fact.kind)
        origin = rect.topLeft()
        first = parts.title_lines[0][0]
        icon_top = first.top() + (first.height() - ICON_SIZE) // 2
        painter.drawPixmap(origin + QPoint(8, icon_top), pixmap(fact.kind, color.name(), ICON_SIZE))
        painter.setFont(bold)
        painter.setPen(color if not fact.resolved else theme.color("muted"))
        for line_rect, text in parts.title_lines:
            painter.drawText(line_rect.translated(origin), Qt.AlignmentFlag.AlignVCenter, text)
        painter.setFont(small)
        painter.setPen(theme.color("selection_text" if selected else "muted"))
        for line_rect, text in parts.where_lines:
            painter.drawText(line_rect.translated(origin), Qt.AlignmentFlag.AlignVCenter, text)
        painter.setFont(base)
        painter.setPen(theme.color("selection_text" if selected else "text"))
        for line_rect, text in parts.lines:
            painter.drawText(line_rect.translated(origin), Qt.AlignmentFlag.AlignVCenter, text)
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
        # rows are as tall as their wrapped text at the current width: lay out again on resize
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setWordWrap(True)
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

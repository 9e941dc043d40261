"""Layout helpers for narrow windows: a wrapping flow layout and a label that elides politely.

The profile header shows a variable number of chips (identities, badges) in whatever width is
left beside a docked panel. :class:`FlowLayout` wraps them onto as many rows as they need (and
reports the height that takes, so the header grows instead of clipping); :class:`ElidedLabel`
shortens a text that is wider than a whole row with "…", keeps the full text in its tooltip and
accessible name, and offers to copy it from its context menu.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QMenu, QWidget, QWidgetItem

ELLIPSIS = "…"
MIN_VISIBLE_CHARS = 6  # an elided label never gets narrower than this many characters


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new row when the next one does not fit.

    Items in a row are centred vertically; widgets whose size policy expands horizontally
    (a line edit) share the row's spare width. An item wider than a whole row gets the row's
    width (an :class:`ElidedLabel` inside it then shortens its text). Hidden widgets take no
    space.
    """

    def __init__(
        self, parent: QWidget | None = None, h_spacing: int = 6, v_spacing: int = 4
    ) -> None:
        """An empty flow; ``h_spacing``/``v_spacing`` between items and rows."""
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._h_spacing = h_spacing
        self._v_spacing = v_spacing
        # Like QBoxLayout, remember sizes until the layout is invalidated: Qt asks for the
        # height at the same width many times while a header fills in.
        self._heights: dict[int, int] = {}
        self._sizes: tuple[QSize, QSize] | None = None
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout ---------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        """Append ``item`` (``addWidget`` comes here too)."""
        self._items.append(item)
        self.invalidate()

    def insertWidget(self, position: int, widget: QWidget) -> None:
        """Put ``widget`` at ``position`` (0 is first)."""
        self.addChildWidget(widget)
        self._items.insert(position, QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        """How many items."""
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        """The item at ``index`` or ``None``."""
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        """Remove and return the item at ``index``."""
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        self.invalidate()
        return item

    def invalidate(self) -> None:
        """Forget the remembered sizes (an item changed)."""
        self._heights.clear()
        self._sizes = None
        super().invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        """It never asks for more than its items need."""
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        """Its height depends on the width it gets."""
        return True

    def heightForWidth(self, width: int) -> int:
        """The height of all rows when laid out ``width`` pixels wide."""
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._arrange(QRect(0, 0, width, 0), apply=False)
        return height

    def setGeometry(self, rect: QRect) -> None:
        """Place the items inside ``rect``."""
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        return self._measure()[0]

    def minimumSize(self) -> QSize:
        """As wide as the widest item's minimum, as tall as one row."""
        return self._measure()[1]

    def _measure(self) -> tuple[QSize, QSize]:
        if self._sizes is None:
            visible = self._visible()
            hints = [item.sizeHint() for item in visible]
            margins = _margin_size(self.contentsMargins())
            width = sum(h.width() for h in hints) + self._h_spacing * max(0, len(hints) - 1)
            height = max((h.height() for h in hints), default=0)
            least = max((item.minimumSize().width() for item in visible), default=0)
            self._sizes = (QSize(width, height) + margins, QSize(least, height) + margins)
        return self._sizes

    # -- placement -------------------------------------------------------------------------

    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Lay the items out in ``rect`` (or only measure); return the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x = 0
        for item in self._visible():
            hint = item.sizeHint()
            width = max(item.minimumSize().width(), min(hint.width(), area.width()))
            width = min(width, max(1, area.width()))
            gap = self._h_spacing if rows[-1] else 0
            if rows[-1] and x + gap + width > area.width():
                rows.append([])
                x, gap = 0, 0
            rows[-1].append((item, QSize(width, hint.height())))
            x += gap + width
        y = area.top()
        for row in rows:
            if not row:
                continue
            if apply:
                _share_spare_width(row, area.width() - self._row_width(row))
            height = max(size.height() for _item, size in row)
            x = area.left()
            for item, size in row:
                if apply:
                    top = y + (height - size.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top), size))
                x += size.width() + self._h_spacing
            y += height + self._v_spacing
        used = y - area.top() - (self._v_spacing if any(rows) else 0)
        return max(0, used) + margins.top() + margins.bottom()

    def _row_width(self, row: list[tuple[QLayoutItem, QSize]]) -> int:
        return sum(size.width() for _item, size in row) + self._h_spacing * (len(row) - 1)


def _share_spare_width(row: list[tuple[QLayoutItem, QSize]], spare: int) -> None:
    """Give a row's spare width to its horizontally expanding items (a search box)."""
    growing = [n for n, (item, _size) in enumerate(row) if _expands(item)]
    for count, n in enumerate(growing):
        item, size = row[n]
        extra = spare // (len(growing) - count)
        width = min(item.maximumSize().width(), size.width() + max(0, extra))
        spare -= width - size.width()
        row[n] = (item, QSize(width, size.height()))


def _expands(item: QLayoutItem) -> bool:
    """Whether the item is a widget whose own size policy asks for more width."""
    widget = item.widget()
    if widget is None:
        return False
    return bool(widget.sizePolicy().expandingDirections() & Qt.Orientation.Horizontal)


def _margin_size(margins: QMargins) -> QSize:
    return QSize(margins.left() + margins.right(), margins.top() + margins.bottom())


class ElidedLabel(QLabel):
    """A one-line label that shows "…" when squeezed; the full text stays reachable.

    Its size hint is the full text, its minimum a few characters; when it is narrower than
    the text, the shown text ends with "…" and the tooltip holds the full text. The context
    menu copies the full text (mouse selection only ever sees what is shown).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        """A label showing ``text``."""
        super().__init__(parent)
        self._full = ""
        self._tooltip = ""
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.set_full_text(text)

    def set_full_text(self, text: str, tooltip: str = "") -> None:
        """Show ``text`` (elided when needed); ``tooltip`` is shown when it is not elided."""
        self._full = text
        self._tooltip = tooltip
        self.setAccessibleName(text)
        self.updateGeometry()
        self._elide()

    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def is_elided(self) -> bool:
        """Whether the shown text is shorter than the full text."""
        return self.text() != self._full

    def sizeHint(self) -> QSize:
        """Wide enough for the whole text."""
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 2 * self.margin() + 1, hint.height())

    def minimumSizeHint(self) -> QSize:
        """A few characters and the ellipsis."""
        hint = self.sizeHint()
        metrics = self.fontMetrics()
        shortest = metrics.horizontalAdvance(self._full[:MIN_VISIBLE_CHARS] + ELLIPSIS)
        return QSize(min(hint.width(), shortest + 2), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        room = self.width() - margins.left() - margins.right() - 2 * self.margin()
        metrics = self.fontMetrics()
        fits = metrics.horizontalAdvance(self._full) <= room
        shown = self._full
        if not fits:
            shown = metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)
        parts = [self._tooltip] if fits else [self._full, self._tooltip]
        self.setToolTip("\n".join(p for p in parts if p))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Offer to copy the whole text, whatever is shown."""
        menu = QMenu(self)
        menu.addAction("Copy", self.copy_full_text)
        if self._tooltip:
            menu.addAction("Copy details", self.copy_details)
        menu.exec(event.globalPos())

    def copy_full_text(self) -> None:
        """Put the full text on the clipboard."""
        QGuiApplication.clipboard().setText(self._full)

    def copy_details(self) -> None:
        """Put the tooltip's details (e.g. the identities behind "+2 more") on the clipboard."""
        QGuiApplication.clipboard().setText(self._tooltip)

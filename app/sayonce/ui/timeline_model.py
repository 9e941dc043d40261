"""The timeline as a lazy list model: pages arrive from the database worker as you scroll.

Qt's fetch-more protocol drives it: the view calls :meth:`canFetchMore`/:meth:`fetchMore`
near the end of the list, the model asks the worker for the next keyset page, and appends it
when it arrives. Each new customer or filter starts a new *generation*; pages of an older
generation are dropped, so a slow page can never land in the wrong customer's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from sayonce.history.items import Cursor, TimelineItem
from sayonce.history.timeline import TimelinePage
from sayonce.ui import themes
from sayonce.ui.icons import icon
from sayonce.ui.tasks import TaskRunner

PageLoader = Callable[[Cursor | None], TimelinePage]
Index = QModelIndex | QPersistentModelIndex

ItemRole = Qt.ItemDataRole.UserRole + 1
SnippetRole = Qt.ItemDataRole.UserRole + 2
MetaRole = Qt.ItemDataRole.UserRole + 3
AtRole = Qt.ItemDataRole.UserRole + 4
KindRole = Qt.ItemDataRole.UserRole + 5


def when(item: TimelineItem) -> str:
    """The item's time in the agent's local time zone, e.g. ``Tue 4 Mar 2025 · 14:05``."""
    local = item.at.astimezone()
    return f"{local:%a} {local.day} {local:%b %Y · %H:%M}"


class TimelineModel(QAbstractListModel):
    """Rows of :class:`~sayonce.history.items.TimelineItem`, newest first, loaded page by page."""

    loading_changed = Signal(bool)
    page_arrived = Signal(int)  # rows added
    load_failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: Any = None) -> None:
        """Load pages on ``runner`` (the database worker)."""
        super().__init__(parent)
        self._runner = runner
        self._rows: list[TimelineItem] = []
        self._loader: PageLoader | None = None
        self._cursor: Cursor | None = None
        self._loading = False
        self._generation = 0

    # -- feeding ------------------------------------------------------------------------

    def show(self, loader: PageLoader | None, first: TimelinePage | None = None) -> None:
        """Replace the rows: with ``first`` if given, else by loading the first page."""
        self._generation += 1
        self.beginResetModel()
        self._rows = list(first.items) if first else []
        self._loader = loader
        self._cursor = first.next_cursor if first else None
        self._set_loading(False)
        self.endResetModel()
        if first is None and loader is not None:
            self._request(None)

    def clear(self) -> None:
        """No customer: no rows."""
        self.show(None, TimelinePage([], None))

    def _request(self, cursor: Cursor | None) -> None:
        loader, generation = self._loader, self._generation
        if loader is None:
            return
        self._set_loading(True)
        self._runner.submit(
            lambda: loader(cursor),
            lambda page: self._arrived(generation, page),
            lambda exc: self._failed(generation, exc),
            key=f"timeline-page-{id(self)}",
        )

    def _arrived(self, generation: int, page: TimelinePage) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._cursor = page.next_cursor
        if page.items:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.items) - 1)
            self._rows.extend(page.items)
            self.endInsertRows()
        self.page_arrived.emit(len(page.items))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self.load_failed.emit(str(exc))

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def prepend(self, items: list[TimelineItem]) -> None:
        """Put items that arrived since loading (newest first) at the top, skipping known ones."""
        known = {(r.kind, r.id) for r in self._rows}
        fresh = [i for i in items if (i.kind, i.id) not in known]
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._rows[:0] = fresh
            self.endInsertRows()

    def upsert(self, item: TimelineItem) -> None:
        """Show a saved note: update its row in place, or insert it in time order."""
        for row, existing in enumerate(self._rows):
            if (existing.kind, existing.id) == (item.kind, item.id):
                self._rows[row] = item
                index = self.index(row)
                self.dataChanged.emit(index, index)
                return
        older = next((n for n, r in enumerate(self._rows) if r.cursor < item.cursor), None)
        if older is None and self._cursor is not None:
            return  # older than everything loaded: it will come with a later page
        row = len(self._rows) if older is None else older
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, item)
        self.endInsertRows()

    # -- reading ------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """A page is on its way."""
        return self._loading

    @property
    def exhausted(self) -> bool:
        """Every item of this customer and filter is loaded."""
        return self._cursor is None and not self._loading

    def items(self) -> list[TimelineItem]:
        """The loaded rows (a copy)."""
        return list(self._rows)

    def item(self, row: int) -> TimelineItem | None:
        """The item at ``row``, if loaded."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, kind: str, item_id: int) -> int | None:
        """The row showing ``kind``/``item_id``, if loaded."""
        for row, item in enumerate(self._rows):
            if item.kind == kind and item.id == item_id:
                return row
        return None

    # -- Qt model protocol --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Loaded rows (a list model has no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index) -> bool:
        """More pages exist and none is on its way."""
        return not parent.isValid() and self._cursor is not None and not self._loading

    def fetchMore(self, parent: Index) -> None:
        """Ask the worker for the next page."""
        if self.canFetchMore(parent):
            self._request(self._cursor)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What the view and assistive technology show for ``index``."""
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{when(item)}\n{item.title}\n{item.meta}".strip()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.channel}, {when(item)}: {item.title}. {item.meta}. {item.snippet}"
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(item.channel, themes.current().kind_color(item.channel))
        return {
            ItemRole: item,
            SnippetRole: item.snippet,
            MetaRole: item.meta,
            AtRole: when(item),
            KindRole: item.channel,
        }.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be selected, not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

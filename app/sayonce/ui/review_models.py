"""Item models of the supervisor screen: the lazy review queue and plain tables.

The queue holds only the rows fetched so far; scrolling near the end asks for the next keyset
page on the database worker (``canFetchMore``/``fetchMore``), so a year of suggestions opens
as fast as a day of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from sayonce.review.queue import Cursor, QueuePage, QueueRow
from sayonce.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_TEXT = {
    "shown": "Shown",
    "accepted": "Accepted",
    "dismissed": "Dismissed",
    "pending_approval": "Awaiting approval",
    "approved": "Approved",
    "rejected": "Rejected",
    "expired": "Expired",
}


def when(at: datetime | None) -> str:
    """A compact local timestamp."""
    return at.astimezone().strftime("%d %b %H:%M") if at else ""


class TableModel(QAbstractTableModel):
    """A read-only table of ``rows`` shown through ``columns`` of (header, value function)."""

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[Any], Any]]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric(index.column()):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _numeric(self, column: int) -> bool:
        header = self.columns[column][0]
        return header.endswith(("%", "#")) or header in {"Shown", "Taken", "Score"}

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][0]
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, number: int) -> Any:
        """The object behind row ``number`` (``None`` out of range)."""
        return self.rows[number] if 0 <= number < len(self.rows) else None


QUEUE_COLUMNS: list[tuple[str, Callable[[QueueRow], Any]]] = [
    ("Shown", lambda r: when(r.shown_at)),
    ("Action", lambda r: r.action_id),
    ("Agent", lambda r: r.agent_name),
    ("Customer", lambda r: r.customer_ref),
    ("Segment", lambda r: r.segment or "—"),
    ("Decision", lambda r: STATUS_TEXT.get(r.status, r.status)),
    ("Reason", lambda r: r.decision_reason or ""),
    ("Outcome", lambda r: r.outcome or ""),
    ("Verdict", lambda r: r.verdict or ""),
]


class QueueModel(TableModel):
    """The review queue, fetched page by page as the supervisor scrolls."""

    loaded = Signal(int)  # rows now held

    def __init__(
        self,
        runner: TaskRunner,
        load: Callable[[Cursor | None], QueuePage],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(QUEUE_COLUMNS, parent)
        self.runner = runner
        self.load = load
        self.cursor: Cursor | None = None
        self.more = False
        self.loading = False
        self.generation = 0

    def reload(self, load: Callable[[Cursor | None], QueuePage] | None = None) -> None:
        """Start again from the newest suggestion (new filters)."""
        self.load = load or self.load
        self.generation += 1
        self.set_rows([])
        self.cursor, self.more, self.loading = None, True, False
        self.fetchMore(ROOT)

    def canFetchMore(self, parent: Index = ROOT) -> bool:
        return not parent.isValid() and self.more and not self.loading

    def fetchMore(self, parent: Index = ROOT) -> None:
        if parent.isValid() or self.loading or not self.more:
            return
        self.loading = True
        generation, cursor, load = self.generation, self.cursor, self.load
        self.runner.submit(
            lambda: load(cursor),
            lambda page: self._arrived(generation, page),
            key=f"queue-{id(self)}",
        )

    def _arrived(self, generation: int, page: QueuePage) -> None:
        if generation != self.generation:
            return  # filters changed while this page was loading
        self.loading = False
        self.cursor, self.more = page.next_cursor, page.next_cursor is not None
        if page.rows:
            first = len(self.rows)
            self.beginInsertRows(ROOT, first, first + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self.loaded.emit(len(self.rows))

    def replace(self, row: QueueRow) -> None:
        """Show the new state of one row (after a verdict)."""
        for number, held in enumerate(self.rows):
            if held.id == row.id:
                self.rows[number] = row
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(number, 0), self.index(number, last))
                return

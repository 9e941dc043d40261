"""The customer search box: results as you type (name, phone, email, id, order number).

Each keystroke restarts a short timer; when it fires the query goes to the database worker as
a "latest wins" task, so only the newest answer is ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from sayonce.history.search import CustomerHit
from sayonce.ui import themes
from sayonce.ui.icons import icon
from sayonce.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
HitRole = Qt.ItemDataRole.UserRole + 1
NameRole = Qt.ItemDataRole.UserRole + 2
TYPE_DELAY_MS = 120
Search = Callable[[str], list[CustomerHit]]


class CustomerHitsModel(QAbstractListModel):
    """The customers found for the current text."""

    def __init__(self, parent: Any = None) -> None:
        """No results yet."""
        super().__init__(parent)
        self._hits: list[CustomerHit] = []

    def set_hits(self, hits: list[CustomerHit]) -> None:
        """Replace the results."""
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list[CustomerHit]:
        """The results shown (a copy)."""
        return list(self._hits)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """One row per customer."""
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """``Name · C-000123 · matched phone +1 …``."""
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            extra = " · ".join(
                p for p in (hit.ref, hit.tier or "", hit.city or "", hit.matched) if p
            )
            return f"{hit.display_name}   {extra}"
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("user", themes.current().color("muted"))
        if role == NameRole:
            return hit.display_name
        if role == HitRole:
            return hit
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


class CustomerSearchBox(QLineEdit):
    """Type a name, number, email, id or order number; Enter or click opens the customer."""

    customer_chosen = Signal(int)
    results_shown = Signal(int)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        """Search on ``runner``; call :meth:`set_search` before use."""
        super().__init__(parent)
        self.setObjectName("customerSearch")
        self.setPlaceholderText("Find a customer: name, phone, email, id, order no.  (Ctrl+K)")
        self.setAccessibleName("Find a customer")
        self.setClearButtonEnabled(True)
        self._icon = self.addAction(
            icon("search", themes.current().color("muted")),
            QLineEdit.ActionPosition.LeadingPosition,
        )
        self._runner = runner
        self._search: Search | None = None
        self._open_first = False
        self.model = CustomerHitsModel(self)
        self.completer_ = QCompleter(self.model, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCompletionRole(NameRole)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._chosen)  # type: ignore[index]
        self._popup().setAccessibleName("Customers found")
        self._timer = QTimer(self, singleShot=True, interval=TYPE_DELAY_MS)
        self._timer.timeout.connect(self._run)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._enter)

    def apply_theme(self) -> None:
        """Recolour the search icon."""
        self._icon.setIcon(icon("search", themes.current().color("muted")))

    def _popup(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        assert popup is not None
        return popup

    def set_search(self, search: Search | None) -> None:
        """The function that runs a query (on the worker); ``None`` until the store is open."""
        self._search = search

    def _run(self) -> None:
        query, search = self.text().strip(), self._search
        if search is None:
            return
        if len(query) < 2:
            self._open_first = False
            self.model.set_hits([])
            self._popup().hide()
            return
        self._runner.submit(lambda: search(query), self._show, key="customer-search")

    def _show(self, hits: list[CustomerHit]) -> None:
        self.model.set_hits(hits)
        if self._open_first and hits:
            self._open(hits[0])
            return
        if hits and self.hasFocus():
            self.completer_.complete()
            # the popup shows the completer's proxy model: select through its index
            self._popup().setCurrentIndex(self.completer_.completionModel().index(0, 0))
        else:
            self._popup().hide()
        self.results_shown.emit(len(hits))

    def _chosen(self, index: QModelIndex) -> None:
        hit: CustomerHit | None = index.data(HitRole)
        if hit is not None:
            self._open(hit)

    def _open(self, hit: CustomerHit) -> None:
        self._open_first = False
        self._popup().hide()
        self.clear()
        self.model.set_hits([])
        self.customer_chosen.emit(hit.customer_id)

    def _enter(self) -> None:
        popup = self._popup()
        current = popup.currentIndex()
        if popup.isVisible() and current.isValid() and current.data(HitRole) is not None:
            self._open(current.data(HitRole))  # the row the agent moved to with the arrows
            return
        hits = self.model.hits()
        if self._timer.isActive() or not hits:  # Enter before the answer: open it when it comes
            self._open_first = True
            self._timer.stop()
            self._run()
            return
        self._open(hits[0])

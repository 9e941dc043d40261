"""The "By meaning" results above the timeline: the closest conversations and what was said.

Each hit is drawn like a timeline row (channel badge, subject, date and time) with the
sentence that matched best as its snippet. Selecting a hit shows the conversation in the
reading pane; Enter or a double-click shows it in the timeline, among what happened around it.
A status line says what the search is doing (loading the model, indexing the customer's
history, searching) and, when search by meaning is unavailable, why.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.items import ItemKind, TimelineItem
from sayonce.history.semantic import SemanticHit
from sayonce.history.sources import CHANNELS, channel_title
from sayonce.ui.semantic_worker import SearchStatus
from sayonce.ui.timeline_delegate import TimelineDelegate
from sayonce.ui.timeline_model import AtRole, ItemRole, when

Index = QModelIndex | QPersistentModelIndex
HitRole = Qt.ItemDataRole.UserRole + 20
HINT = (
    "Type what the customer meant, in your own words (e.g. “payment refused”). "
    "↓ to go through the results, Enter to see one in the timeline."
)
WIDGET_MAX = 16_777_215  # QWIDGETSIZE_MAX


def closeness(score: float) -> str:
    """How close a hit is, in words (cosine similarity of MiniLM sentence vectors)."""
    if score >= 0.6:
        return "close match"
    if score >= 0.45:
        return "good match"
    return "related"


def hit_item(hit: SemanticHit) -> TimelineItem:
    """A hit as a timeline row: the best-matching sentence is its snippet."""
    channel = hit.channel if hit.channel in CHANNELS else "web"
    said = f"{hit.speaker.capitalize()}: " if hit.speaker else ""
    parts = [closeness(hit.score), "has every word" if hit.fulltext else ""]
    return TimelineItem(
        kind=ItemKind.INTERACTION,
        id=hit.interaction_id,
        at=hit.started_at,
        channel=channel,
        title=hit.subject or channel_title(channel),
        snippet=f"{said}{hit.snippet}",
        meta=" · ".join(p for p in parts if p),
        customer_id=hit.customer_id,
    )


class HitsModel(QAbstractListModel):
    """Semantic hits, best first, as timeline rows (:class:`TimelineDelegate` paints them)."""

    def __init__(self, parent: Any = None) -> None:
        """No hits."""
        super().__init__(parent)
        self._hits: list[SemanticHit] = []
        self._items: list[TimelineItem] = []

    def set_hits(self, hits: list[SemanticHit]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._hits = list(hits)
        self._items = [hit_item(hit) for hit in hits]
        self.endResetModel()

    def hits(self) -> list[SemanticHit]:
        """The hits shown (a copy)."""
        return list(self._hits)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """One row per hit."""
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The row as a timeline item, and text for tooltips and assistive technology."""
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item, hit = self._items[index.row()], self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{when(item)}\n{item.title}\n{item.snippet}\nsimilarity {hit.score:.2f}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.channel}, {when(item)}: {item.title}. {item.meta}. {item.snippet}"
        return {ItemRole: item, AtRole: when(item), HitRole: hit}.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be selected, not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


class MeaningPane(QWidget):
    """The status line and the list of hits of a search by meaning."""

    hit_selected = Signal(object)  # TimelineItem: read it
    hit_activated = Signal(object)  # TimelineItem: show it in the timeline

    def __init__(self, parent: QWidget | None = None) -> None:
        """Hidden until the agent searches by meaning."""
        super().__init__(parent)
        self.setObjectName("meaningPane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        head = QHBoxLayout()
        self.status = QLabel(HINT, self)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Search by meaning status")
        self.busy = QProgressBar(self)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(120)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName("Search by meaning progress")
        self.busy.setVisible(False)
        head.addWidget(self.status, 1)
        head.addWidget(self.busy)
        layout.addLayout(head)
        self.model = HitsModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setItemDelegate(TimelineDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMouseTracking(True)
        self.list.setAccessibleName("Search by meaning results")
        self.list.activated.connect(self._activate)
        self.list.doubleClicked.connect(self._activate)
        self.list.selectionModel().currentChanged.connect(self._select)
        layout.addWidget(self.list, 1)
        self.setVisible(False)

    # -- what the search says -----------------------------------------------------------

    def show_status(self, status: SearchStatus) -> None:
        """Loading the model, indexing (with progress), searching."""
        text = status.text
        if status.total:
            text = f"{text}  {status.done:,} / {status.total:,}"
        self.status.setText(text)
        self.busy.setVisible(status.busy)
        self.busy.setRange(0, status.total)  # 0..0: busy without a measure
        self.busy.setValue(status.done)
        self._expand(True)

    def show_hits(self, query: str, hits: list[SemanticHit], *, partial: bool = False) -> None:
        """The hits of ``query``, best first (``partial``: indexing goes on, more may come)."""
        self.busy.setVisible(partial)
        self.model.set_hits(hits)
        if not query:
            self.status.setText(HINT)
        elif partial:
            self.status.setText(f"Closest so far to “{query}”; still indexing older conversations…")
        elif hits:
            what = "conversation" if len(hits) == 1 else "conversations"
            self.status.setText(
                f"{len(hits)} {what} about “{query}”, closest first · Enter shows one in the "
                "timeline"
            )
        else:
            self.status.setText(f"No conversation is about “{query}”. Try other words.")
        self._expand(True)

    def show_notice(self, text: str) -> None:
        """Search by meaning is off and why (only this line shows)."""
        self.busy.setVisible(False)
        self.model.set_hits([])
        self.status.setText(text)
        self._expand(False)
        self.setVisible(True)

    def clear(self) -> None:
        """A new customer: no hits, the hint."""
        self.busy.setVisible(False)
        self.model.set_hits([])
        self.status.setText(HINT)
        self._expand(True)

    def _expand(self, with_list: bool) -> None:
        """The list shows below the status line, or only the line (a notice)."""
        self.list.setVisible(with_list)
        self.setMaximumHeight(WIDGET_MAX if with_list else self.sizeHint().height())

    # -- moving ---------------------------------------------------------------------------

    def focus_results(self) -> bool:
        """Put the focus on the hits (the first selected); False if there are none."""
        if not self.model.rowCount() or not self.list.isVisible():
            return False
        if not self.list.currentIndex().isValid():
            self.list.setCurrentIndex(self.model.index(0, 0))
        self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def _select(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(ItemRole) if current.isValid() else None
        if item is not None:
            self.hit_selected.emit(item)

    def _activate(self, index: QModelIndex) -> None:
        item = index.data(ItemRole)
        if item is not None:
            self.hit_activated.emit(item)

"""The timeline's "By meaning" mode: what the agent types goes to the search helper.

:class:`MeaningSearch` wires the find box's toggle (:class:`~sayonce.ui.timeline_view.
TimelineView`), the results pane (:class:`~sayonce.ui.semantic_panel.MeaningPane`) and the
searcher (:class:`~sayonce.ui.semantic_worker.SemanticSearcher`, which starts the helper
process on the first search). With the mode off the find box filters the timeline by every
word, as before; if search by meaning fails, the pane says why and the mode switches off, so
what was typed filters by words instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent

from sayonce.history.desk import Desk
from sayonce.history.semantic import SemanticHit
from sayonce.nlp.host_process import HostBuilder
from sayonce.ui.semantic_worker import SearchStatus, SemanticSearcher
from sayonce.ui.timeline_view import TimelineView


class MeaningSearch(QObject):
    """Search by meaning in the open customer's history, from the timeline's find box."""

    shown = Signal(object)  # list[SemanticHit]: results are on screen (tests, screenshots)
    unavailable = Signal(str)  # search by meaning failed; the find box filters by words

    def __init__(self, view: TimelineView, parent: QObject | None = None) -> None:
        """Drive ``view``'s toggle and results pane; nothing starts before a search."""
        super().__init__(parent)
        self.view = view
        self.pane = view.meaning_pane
        self.searcher: SemanticSearcher | None = None
        self.builder: HostBuilder | None = None  # tests: another helper-side host
        self._cluster: list[int] | None = None
        self._query = ""
        self._desk: Desk | None = None
        view.meaning_toggled.connect(self._toggled)
        view.meaning_requested.connect(self.search)
        view.find_box.installEventFilter(self)

    def set_desk(self, desk: Desk) -> None:
        """The store is open: searches go to this agent's helper (started on the first one)."""
        self._desk = desk

    def set_customer(self, cluster: list[int] | None) -> None:
        """Another customer is on screen: forget the last one's search and results."""
        self._cluster = list(cluster) if cluster is not None else None
        self._query = ""
        if self.searcher is not None:
            self.searcher.cancel()
        self.pane.clear()
        self.view.show_meaning_pane(self.view.by_meaning())

    def search(self, query: str) -> None:
        """Search the open customer's history by meaning (latest wins)."""
        self._query = query
        if self._cluster is None:
            return
        if not query:
            if self.searcher is not None:
                self.searcher.cancel()
            self.pane.show_hits("", [])
            return
        searcher = self._searcher()
        if searcher is not None:
            searcher.search(self._cluster, query)

    def stop(self) -> None:
        """End the helper process and the worker thread (the window is closing)."""
        if self.searcher is not None:
            self.searcher.stop()

    @property
    def helper_pid(self) -> int | None:
        """The search helper's process id, once it was started."""
        return self.searcher.helper_pid if self.searcher is not None else None

    def _searcher(self) -> SemanticSearcher | None:
        if self.searcher is None and self._desk is not None:
            extra: dict[str, Any] = {"builder": self.builder} if self.builder else {}
            self.searcher = SemanticSearcher(self._desk.store, self._desk.principal, self, **extra)
            self.searcher.status.connect(self._status)
            self.searcher.results.connect(self._results)
            self.searcher.partial.connect(self._partial)
            self.searcher.failed.connect(self._failed)
        return self.searcher

    def _toggled(self, on: bool) -> None:
        if not on and self.searcher is not None:
            self.searcher.cancel()
        if on:
            self.pane.clear()
        self.view.show_meaning_pane(on)

    def _status(self, status: SearchStatus) -> None:
        if self.view.by_meaning():
            self.pane.show_status(status)

    def _results(self, hits: list[SemanticHit]) -> None:
        if self.view.by_meaning():
            self.pane.show_hits(self._query, hits)
            self.shown.emit(hits)

    def _partial(self, hits: list[SemanticHit]) -> None:
        # first results while the customer's history is still being indexed (newest first)
        if self.view.by_meaning():
            self.pane.show_hits(self._query, hits, partial=True)

    def _failed(self, message: str) -> None:
        if not self.view.by_meaning():
            return
        self.view.set_meaning(False)  # what was typed now filters the timeline by words
        self.pane.show_notice(f"{message.rstrip('.')}. Showing every-word matches instead.")
        self.unavailable.emit(message)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↓ in the find box goes to the results of a search by meaning."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.view.by_meaning()
        ):
            return self.pane.focus_results()
        return super().eventFilter(watched, event)

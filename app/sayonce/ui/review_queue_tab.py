"""The review queue tab: filters, the lazy table, the detail pane and verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sayonce.review import detail, export, queue, verdicts
from sayonce.review.queue import UNREVIEWED, FilterChoices, QueueFilter
from sayonce.store import Store
from sayonce.trust.principal import Principal
from sayonce.ui import review_style, themes
from sayonce.ui.review_models import STATUS_TEXT, QueueModel
from sayonce.ui.suggestion_html import suggestion_html
from sayonce.ui.tasks import TaskRunner

PAGE = 200
ANY = "Any"


def _combo(name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.setMinimumContentsLength(10)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.addItem(ANY, None)
    return box


def day_start(day: QDate) -> datetime:
    """Local midnight of ``day`` as an aware UTC datetime."""
    local = datetime(day.year(), day.month(), day.day()).astimezone()
    return local.astimezone(UTC)


class ReviewQueueTab(QWidget):
    """Suggestions shown to agents, newest first, with what became of them."""

    def __init__(self, store: Store, principal: Principal, runner: TaskRunner) -> None:
        super().__init__()
        self.store, self.principal, self.runner = store, principal, runner
        self.model = QueueModel(runner, self._loader(QueueFilter()), self)
        self.current_id: int | None = None
        self._build()
        self.model.loaded.connect(self._loaded)

    def _build(self) -> None:
        self.action = _combo("Action")
        self.agent = _combo("Agent")
        self.segment = _combo("Segment")
        self.status = _combo("Decision")
        for value, text in STATUS_TEXT.items():
            self.status.addItem(text, value)
        self.verdict = _combo("Verdict")
        for value, text in (("good", "Good"), ("bad", "Bad"), (UNREVIEWED, "Not reviewed")):
            self.verdict.addItem(text, value)
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-30))
        self.until = QDateEdit(today)
        for edit, name in ((self.since, "From"), (self.until, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        for box in (self.action, self.agent, self.segment, self.status, self.verdict):
            box.currentIndexChanged.connect(self.refresh)
        self.since.dateChanged.connect(self.refresh)
        self.until.dateChanged.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.export_csv)
        filters = QHBoxLayout()
        filters.setSpacing(6)
        for label, widget in (
            ("Action", self.action),
            ("Agent", self.agent),
            ("Segment", self.segment),
            ("Decision", self.status),
            ("Verdict", self.verdict),
            ("From", self.since),
            ("to", self.until),
        ):
            caption = QLabel(label)
            caption.setObjectName("muted")
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.export_button)

        self.table = review_style.row_table("reviewQueue", self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((104, 140, 112, 84, 92, 128, 130, 70)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.count = QLabel()
        self.count.setObjectName("muted")

        self.detail = QTextBrowser()
        self.detail.setObjectName("suggestionDetail")
        self.detail.setOpenLinks(False)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment for the agent and the learning (optional)")
        self.comment.setAccessibleName("Review comment")
        self.good = QPushButton("Good call  (G)")
        self.bad = QPushButton("Bad call  (B)")
        self.good.clicked.connect(lambda: self.give_verdict("good"))
        self.bad.clicked.connect(lambda: self.give_verdict("bad"))
        for button in (self.good, self.bad):
            button.setEnabled(False)
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(self.comment, 1)
        verdict_row.addWidget(self.good)
        verdict_row.addWidget(self.bad)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(verdict_row)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([860, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        for keys, verdict in (("G", "good"), ("B", "bad")):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda v=verdict: self.give_verdict(v))

    # --- data ------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the filter choices and the first page."""
        store, principal = self.store, self.principal
        self.runner.submit(lambda: queue.choices(store, principal), self._choices)
        self.refresh()

    def _choices(self, found: FilterChoices) -> None:
        for box, values in (
            (self.action, [(a, a) for a in found.actions]),
            (self.agent, [(name, agent_id) for agent_id, name in found.agents]),
            (self.segment, [(s, s) for s in found.segments]),
        ):
            box.blockSignals(True)
            for text, value in values:
                box.addItem(text, value)
            box.blockSignals(False)

    def filters(self) -> QueueFilter:
        """The filter the pickers describe."""
        status = self.status.currentData()
        return QueueFilter(
            action_id=self.action.currentData(),
            agent_id=self.agent.currentData(),
            segment=self.segment.currentData(),
            statuses=(status,) if status else (),
            verdict=self.verdict.currentData(),
            since=day_start(self.since.date()),
            until=day_start(self.until.date()) + timedelta(days=1),
        )

    def _loader(self, filters: QueueFilter) -> Any:
        store, principal = self.store, self.principal
        return lambda after: queue.page(store, principal, filters, after, PAGE)

    def refresh(self) -> None:
        """Reload the table for the current filters."""
        self.count.setText("Loading…")
        self.model.reload(self._loader(self.filters()))

    def _loaded(self, rows: int) -> None:
        more = " (scroll for more)" if self.model.more else ""
        self.count.setText(f"{rows:,} suggestions{more}")
        if rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _selected(self, current: Any, _previous: Any) -> None:
        row = self.model.row(current.row())
        if row is None:
            return
        self.current_id = row.id
        store, principal, wanted = self.store, self.principal, row.id
        self.runner.submit(
            lambda: detail.detail(store, principal, wanted), self._show_detail, key="detail"
        )

    def _show_detail(self, found: Any) -> None:
        if found is None or found.row.id != self.current_id:
            return
        self.detail.setHtml(suggestion_html(found, themes.current()))
        self.comment.setText(found.review_comment or "")
        for button in (self.good, self.bad):
            button.setEnabled(True)

    # --- actions ---------------------------------------------------------------------------

    def give_verdict(self, verdict: str) -> None:
        """Mark the selected suggestion good or bad (with the comment typed)."""
        target = self.current_id
        if target is None:
            return
        store, principal, comment = self.store, self.principal, self.comment.text()

        def work() -> Any:
            verdicts.mark(store, principal, target, verdict, comment)
            return detail.detail(store, principal, target)

        self.runner.submit(work, self._verdict_saved)

    def _verdict_saved(self, found: Any) -> None:
        if found is not None:
            self.model.replace(found.row)
            self._show_detail(found)

    def export_csv(self, path: Path | None = None) -> None:
        """Export the filtered queue to a CSV file (audited)."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export review queue", "review-queue.csv", "CSV (*.csv)"
            )
            if not chosen:
                return
            path = Path(chosen)
        store, principal, filters, out = self.store, self.principal, self.filters(), path
        self.runner.submit(
            lambda: export.export_queue(store, principal, out, filters),
            lambda n: self.count.setText(f"Exported {n:,} suggestions to {out.name}"),
        )

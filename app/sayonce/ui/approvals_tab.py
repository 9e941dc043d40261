"""Approvals: high-risk actions waiting for a supervisor while the customer is on the line.

The list refreshes every few seconds on the database worker (never on the UI thread); a
decision goes back to the agent's panel, which polls the same rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
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

from sayonce.review import approvals
from sayonce.review.approvals import ApprovalRequest
from sayonce.store import Store, utcnow
from sayonce.trust.principal import Principal
from sayonce.ui import review_style, themes
from sayonce.ui.review_models import TableModel
from sayonce.ui.tasks import TaskRunner

REFRESH_MS = 3000


def waiting(request: ApprovalRequest) -> str:
    """How long the customer has been waiting, e.g. ``2 min``."""
    seconds = max(0, int((utcnow() - request.requested_at).total_seconds()))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


COLUMNS = [
    ("Waiting", waiting),
    ("Action", lambda r: r.row.action_id),
    ("Agent", lambda r: r.row.agent_name),
    ("Customer", lambda r: r.row.customer_ref),
    ("Segment", lambda r: r.row.segment or "—"),
    ("Score", lambda r: f"{r.row.score:.2f}"),
]


class ApprovalsTab(QWidget):
    """Pending requests with Approve (Ctrl+Enter) and Reject (Ctrl+R, needs a reason)."""

    def __init__(self, store: Store, principal: Principal, runner: TaskRunner) -> None:
        super().__init__()
        self.store, self.principal, self.runner = store, principal, runner
        self.model = TableModel(COLUMNS, self)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refreshed = 0
        self._build()

    def _build(self) -> None:
        self.table = review_style.row_table("approvals", self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.summary = QLabel("No requests waiting.")
        self.summary.setObjectName("muted")
        self.detail = QTextBrowser()
        self.detail.setObjectName("approvalDetail")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (required to reject; the agent reads it)")
        self.reason.setAccessibleName("Reason")
        self.approve_button = QPushButton("Approve  (Ctrl+Enter)")
        self.approve_button.setObjectName("primary")
        self.reject_button = QPushButton("Reject  (Ctrl+R)")
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.message = QLabel()
        self.message.setObjectName("muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.reason, 1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.message)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([640, 760])
        for column, width in enumerate((70, 150, 130, 90, 110)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(split)
        for keys, slot in (
            ("Ctrl+Return", self.approve_selected),
            ("Ctrl+Enter", self.approve_selected),
            ("Ctrl+R", self.reject_selected),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._enable(False)

    def start(self) -> None:
        """Load now and keep refreshing while the tab exists."""
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        """Stop refreshing (closing)."""
        self.timer.stop()

    def refresh(self) -> None:
        """Fetch pending requests on the worker (skipped while one is in flight)."""
        store, principal = self.store, self.principal
        self.runner.submit(lambda: approvals.pending(store, principal), self._show, key="pending")

    def _show(self, requests: list[ApprovalRequest]) -> None:
        self.refreshed += 1
        selected = self.selected()
        self.model.set_rows(requests)
        ids = [r.id for r in requests]
        if selected is not None and selected.id in ids:
            self.table.selectRow(ids.index(selected.id))
        elif requests:
            self.table.selectRow(0)
        count = len(requests)
        self.summary.setText(
            "No requests waiting." if not count else f"{count} request(s) waiting for you."
        )
        self._show_selected()

    def selected(self) -> ApprovalRequest | None:
        """The request the supervisor is looking at."""
        index = self.table.currentIndex()
        row = self.model.row(index.row()) if index.isValid() else None
        return row if isinstance(row, ApprovalRequest) else None

    def _show_selected(self) -> None:
        request = self.selected()
        self._enable(request is not None)
        if request is None:
            self.detail.setHtml("")
            return
        theme = themes.current()
        muted = theme.tokens["muted"]
        reasons = "".join(f"<li>{_escape(r['text'])}</li>" for r in request.reasons)
        context = "<br>".join(_escape(line) for line in (request.context or "").splitlines())
        self.detail.setHtml(
            f"<h3 style='margin:0'>{_escape(request.row.action_id)}</h3>"
            f"<p style='color:{muted}'>Asked by {_escape(request.row.agent_name)} for "
            f"{_escape(request.row.customer_ref)} · waiting {waiting(request)}</p>"
            f"<h4 style='margin-bottom:0'>Why the engine suggested it</h4><ul>{reasons}</ul>"
            f"<h4 style='margin-bottom:2px'>The call so far</h4><p>{context or '—'}</p>"
        )

    def _enable(self, on: bool) -> None:
        for widget in (self.approve_button, self.reject_button, self.reason):
            widget.setEnabled(on)

    def approve_selected(self) -> None:
        """Approve the selected request."""
        request = self.selected()
        if request is not None:
            store, principal, target = self.store, self.principal, request.id
            note = self.reason.text() or None
            self._decide(lambda: approvals.approve(store, principal, target, note), "Approved")

    def reject_selected(self) -> None:
        """Reject the selected request (a reason is required)."""
        request = self.selected()
        if request is None:
            return
        reason = self.reason.text().strip()
        if not reason:
            self.message.setText("Type the reason first: the agent reads it to the customer.")
            self.reason.setFocus()
            return
        store, principal, target = self.store, self.principal, request.id
        self._decide(lambda: approvals.reject(store, principal, target, reason), "Rejected")

    def _decide(self, work: Any, verb: str) -> None:
        self._enable(False)
        self.runner.submit(work, lambda _: self._decided(verb), self._failed)

    def _decided(self, verb: str) -> None:
        self.message.setText(f"{verb}. The agent sees it within seconds.")
        self.reason.clear()
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))
        self.refresh()


def _escape(text: str) -> str:
    from html import escape

    return escape(text)

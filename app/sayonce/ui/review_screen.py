"""The supervisor screen: review queue, approvals, analytics and playbook, role-gated.

Tabs a role may not use are not built at all (and the core refuses the calls anyway, see
:mod:`sayonce.trust.permissions`): an agent who opens this screen sees why it is empty.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sayonce.store import Store
from sayonce.trust.permissions import Permission, can
from sayonce.trust.principal import Principal
from sayonce.ui import review_style
from sayonce.ui.analytics_tab import AnalyticsTab
from sayonce.ui.approvals_tab import ApprovalsTab
from sayonce.ui.icons import icon
from sayonce.ui.playbook_tab import PlaybookTab
from sayonce.ui.review_queue_tab import ReviewQueueTab
from sayonce.ui.tasks import TaskRunner


class ReviewWindow(QMainWindow):
    """Supervisor review of what the engine suggested and what agents did with it."""

    def __init__(self, store: Store, principal: Principal) -> None:
        super().__init__()
        self.setWindowTitle("SayOnce — Supervisor review")
        self.setWindowIcon(icon("logo", "#2563eb"))
        self.setMinimumSize(1100, 700)
        self.store, self.principal = store, principal
        self.runner = TaskRunner("sayonce-review", self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reviewTabs")
        self.tabs.setDocumentMode(True)
        self.queue: ReviewQueueTab | None = None
        self.approvals: ApprovalsTab | None = None
        self.analytics: AnalyticsTab | None = None
        self.playbook: PlaybookTab | None = None
        self._build()

    def _build(self) -> None:
        brand = QLabel("SayOnce  ·  Supervisor review")
        brand.setObjectName("brand")
        who = self.principal.display_name or self.principal.username
        user = QLabel(f"{who} · {self.principal.role!s}")
        user.setObjectName("muted")
        top = QHBoxLayout()
        top.setContentsMargins(14, 10, 14, 4)
        top.addWidget(brand)
        top.addStretch(1)
        top.addWidget(user)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        if not can(self.principal, Permission.REVIEW_SUGGESTIONS):
            layout.addWidget(self._refused(), 1)
        else:
            self._add_tabs()
            layout.addWidget(self.tabs, 1)
        self.setCentralWidget(body)
        review_style.apply(body)
        for number in range(1, 5):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.activated.connect(lambda n=number: self.tabs.setCurrentIndex(n - 1))

    def _refused(self) -> QLabel:
        label = QLabel(
            "Supervisor review needs the supervisor or admin role.\n"
            f"You are signed in as {self.principal.username} ({self.principal.role!s})."
        )
        label.setObjectName("emptyState")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def _add_tabs(self) -> None:
        store, principal, runner = self.store, self.principal, self.runner
        self.queue = ReviewQueueTab(store, principal, runner)
        self.tabs.addTab(self.queue, "Review queue")
        if can(principal, Permission.APPROVE_ACTIONS):
            self.approvals = ApprovalsTab(store, principal, runner)
            self.tabs.addTab(self.approvals, "Approvals")
            self.approvals.model.modelReset.connect(self._count_approvals)
        if can(principal, Permission.VIEW_ANALYTICS):
            self.analytics = AnalyticsTab(store, principal, runner)
            self.tabs.addTab(self.analytics, "Analytics")
        self.playbook = PlaybookTab(store, principal, runner)
        self.tabs.addTab(self.playbook, "Playbook")

    def _count_approvals(self) -> None:
        if self.approvals is None:
            return
        waiting = self.approvals.model.rowCount()
        index = self.tabs.indexOf(self.approvals)
        self.tabs.setTabText(index, f"Approvals ({waiting})" if waiting else "Approvals")

    def start(self) -> None:
        """Load every tab (on the worker; call once the window is shown)."""
        for tab in (self.queue, self.approvals, self.analytics, self.playbook):
            if tab is not None:
                tab.start()

    def shutdown(self) -> None:
        """Stop timers and the worker thread."""
        if self.approvals is not None:
            self.approvals.stop()
        self.runner.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

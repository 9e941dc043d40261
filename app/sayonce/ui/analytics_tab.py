"""Acceptance and outcome rates per action, agent or segment: a chart, a table, CSV export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sayonce.review import analytics, export
from sayonce.review.analytics import Dimension, Rates
from sayonce.store import Store, utcnow
from sayonce.trust.principal import Principal
from sayonce.ui import review_style
from sayonce.ui.bar_chart import Bar, RateBarChart
from sayonce.ui.review_models import TableModel
from sayonce.ui.tasks import TaskRunner

PERIODS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("All time", None))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


COLUMNS = [
    ("Group", lambda r: r.label),
    ("Shown", lambda r: f"{r.shown:,}"),
    ("Taken", lambda r: f"{r.taken:,}"),
    ("Accepted %", lambda r: _pct(r.acceptance_rate)),
    ("Dismissed %", lambda r: _pct(r.dismissal_rate)),
    ("Success %", lambda r: _pct(r.outcome_rate)),
    ("Approved #", lambda r: r.approved),
    ("Rejected #", lambda r: r.rejected),
    ("Good #", lambda r: r.good),
    ("Bad #", lambda r: r.bad),
]


class AnalyticsTab(QWidget):
    """Rates over a period, broken down by one dimension."""

    def __init__(self, store: Store, principal: Principal, runner: TaskRunner) -> None:
        super().__init__()
        self.store, self.principal, self.runner = store, principal, runner
        self.model = TableModel(COLUMNS, self)
        self.rates: list[Rates] = []
        self._build()

    def _build(self) -> None:
        self.dimension = QComboBox()
        self.dimension.setAccessibleName("Break down by")
        for text, value in (("Action", "action"), ("Agent", "agent"), ("Segment", "segment")):
            self.dimension.addItem(text, value)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        self.dimension.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.export_csv)
        self.total = QLabel()
        self.total.setObjectName("statValue")
        controls = QHBoxLayout()
        for label, widget in (("By", self.dimension), ("Period", self.period)):
            caption = QLabel(label)
            caption.setObjectName("muted")
            controls.addWidget(caption)
            controls.addWidget(widget)
        controls.addSpacing(16)
        controls.addWidget(self.total)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        self.chart = RateBarChart()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.table = review_style.row_table("rates", self.model, single=False)
        self.table.setColumnWidth(0, 170)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(scroll)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(controls)
        layout.addWidget(split, 1)

    def period_bounds(self) -> tuple[Any, Any]:
        """(since, until) of the chosen period."""
        days = self.period.currentData()
        return (None if days is None else utcnow() - timedelta(days=days)), None

    def start(self) -> None:
        """First load."""
        self.refresh()

    def refresh(self) -> None:
        """Recount on the worker."""
        store, principal = self.store, self.principal
        by = self.dimension.currentData()
        since, until = self.period_bounds()

        def work() -> tuple[list[Rates], Rates]:
            return (
                analytics.rates(store, principal, by, since, until),
                analytics.overall(store, principal, since, until),
            )

        self.runner.submit(work, self._show, key="rates")

    def _show(self, answer: tuple[list[Rates], Rates]) -> None:
        self.rates, total = answer
        self.model.set_rows(self.rates)
        self.chart.set_bars(
            [Bar(r.label, r.acceptance_rate, r.outcome_rate, r.shown) for r in self.rates]
        )
        self.total.setText(
            f"{total.shown:,} shown · {_pct(total.acceptance_rate)} accepted · "
            f"{_pct(total.outcome_rate)} successful"
        )

    def export_csv(self, path: Path | None = None) -> None:
        """Export the rates shown to CSV (audited)."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export rates", "rates.csv", "CSV (*.csv)"
            )
            if not chosen:
                return
            path = Path(chosen)
        store, principal, out = self.store, self.principal, path
        by = Dimension(self.dimension.currentData())
        since, until = self.period_bounds()
        self.runner.submit(
            lambda: export.export_rates(store, principal, out, by, since, until),
            lambda n: self.total.setText(f"Exported {n} rows to {out.name}"),
        )

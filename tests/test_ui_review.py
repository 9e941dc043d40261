"""The supervisor screen, driven like a supervisor would (pytest-qt, offscreen, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from sayonce.review import queue
from sayonce.review.queue import QueueFilter
from sayonce.store import PlaybookVersion, Store, Suggestion
from sayonce.trust.principal import Principal
from sayonce.ui.review_models import QueueModel, TableModel
from sayonce.ui.review_screen import ReviewWindow
from sayonce.ui.tasks import TaskRunner
from tests.review_data import SPECS, T0, Seeded, seed
from tests.ui_checks import nothing_left_running  # noqa: F401  (autouse fixture)

WAIT = 10_000


@pytest.fixture
def seeded(sqlite_store: Store) -> Seeded:
    return seed(sqlite_store)


def open_window(qtbot: Any, store: Store, principal: Principal) -> ReviewWindow:
    window = ReviewWindow(store, principal)
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    return window


@pytest.fixture
def window(qtbot: Any, sqlite_store: Store, seeded: Seeded) -> Iterator[ReviewWindow]:
    win = open_window(qtbot, sqlite_store, seeded.supervisor)
    assert win.queue is not None
    # the seeded suggestions are from March 2026: widen the period to cover them
    win.queue.since.setDate(QDate(2026, 3, 1))
    win.start()
    yield win
    win.shutdown()


def _queue_ids(win: ReviewWindow) -> set[int]:
    assert win.queue is not None
    return {row.id for row in win.queue.model.rows}


def test_queue_lists_filters_and_details(qtbot: Any, window: ReviewWindow, seeded: Seeded) -> None:
    tab = window.queue
    assert tab is not None
    qtbot.waitUntil(lambda: _queue_ids(window) == set(seeded.suggestion_ids), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.action.count() > 1, timeout=WAIT)
    tab.action.setCurrentIndex(tab.action.findText("refund"))
    refunds = {seeded.suggestion_ids[n] for n, spec in enumerate(SPECS) if spec[0] == "refund"}
    qtbot.waitUntil(lambda: _queue_ids(window) == refunds, timeout=WAIT)
    assert "3 suggestions" in tab.count.text()

    tab.action.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(_queue_ids(window)) == len(seeded.suggestion_ids), timeout=WAIT)
    first = seeded.suggestion_ids[0]  # the one with a stored call around it
    row = [r.id for r in tab.model.rows].index(first)
    tab.table.selectRow(row)
    qtbot.waitUntil(lambda: "lost my debit card" in tab.detail.toPlainText(), timeout=WAIT)
    assert "suggestion shown here" in tab.detail.toPlainText()


def test_g_key_marks_a_good_call(
    qtbot: Any, window: ReviewWindow, sqlite_store: Store, seeded: Seeded
) -> None:
    tab = window.queue
    assert tab is not None
    qtbot.waitUntil(lambda: bool(tab.model.rows), timeout=WAIT)
    target = seeded.suggestion_ids[1]
    tab.table.selectRow([r.id for r in tab.model.rows].index(target))
    qtbot.waitUntil(lambda: tab.good.isEnabled() and tab.current_id == target, timeout=WAIT)
    tab.comment.setText("right call, customer was happy")
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_G)

    def verdict() -> str | None:
        with sqlite_store.read() as s:
            found = s.get(Suggestion, target)
            return found.review_verdict if found else None

    qtbot.waitUntil(lambda: verdict() == "good", timeout=WAIT)
    qtbot.waitUntil(
        lambda: next(r for r in tab.model.rows if r.id == target).verdict == "good", timeout=WAIT
    )


def test_approvals_tab_approves_and_rejects(
    qtbot: Any, window: ReviewWindow, sqlite_store: Store, seeded: Seeded
) -> None:
    tab = window.approvals
    assert tab is not None
    pending = [seeded.suggestion_ids[n] for n, s in enumerate(SPECS) if s[3] == "pending_approval"]
    qtbot.waitUntil(lambda: [r.id for r in tab.model.rows] == pending, timeout=WAIT)
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Approvals (2)"

    tab.table.selectRow(0)
    tab.approve_selected()
    qtbot.waitUntil(lambda: [r.id for r in tab.model.rows] == pending[1:], timeout=WAIT)

    tab.table.selectRow(0)
    tab.reject_selected()  # no reason typed: refused, nothing changes
    assert "reason" in tab.message.text()
    tab.reason.setText("already had a discount this year")
    tab.reject_selected()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=WAIT)
    with sqlite_store.read() as s:
        states = {
            r.id: (r.status, r.decision_reason)
            for r in s.scalars(select(Suggestion).where(Suggestion.id.in_(pending)))
        }
    assert states[pending[0]][0] == "approved"
    assert states[pending[1]] == ("rejected", "already had a discount this year")
    assert tab.timer.isActive()  # keeps refreshing while open (stopped by shutdown)


def test_analytics_chart_and_table(qtbot: Any, window: ReviewWindow) -> None:
    tab = window.analytics
    assert tab is not None
    tab.period.setCurrentIndex(tab.period.count() - 1)  # all time
    qtbot.waitUntil(lambda: tab.model.rowCount() == len({s[0] for s in SPECS}), timeout=WAIT)
    assert [b.label for b in tab.chart.bars] == [r.label for r in tab.rates]
    assert all(0 <= (b.acceptance or 0) <= 1 for b in tab.chart.bars)
    tab.dimension.setCurrentIndex(tab.dimension.findData("agent"))
    qtbot.waitUntil(
        lambda: {b.label for b in tab.chart.bars} == {"Agent 0", "Agent 1"}, timeout=WAIT
    )
    assert "shown" in tab.total.text()


def test_playbook_tab_disables_an_action_and_shows_the_diff(
    qtbot: Any, window: ReviewWindow, sqlite_store: Store
) -> None:
    tab = window.playbook
    assert tab is not None
    qtbot.waitUntil(lambda: tab.model.rowCount() > 5, timeout=WAIT)
    ids = [a.id for a in tab.model.rows]
    tab.table.selectRow(ids.index("branch-hours"))
    assert tab.title.text() == tab.model.rows[ids.index("branch-hours")].title
    tab.enabled.setChecked(False)
    tab.comment.setText("hours now on the web site")
    tab.save_edit()
    qtbot.waitUntil(lambda: "Saved as version 2" in tab.message.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.versions.count() == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: "+    enabled: false" in tab.diff.toPlainText(), timeout=WAIT)
    with sqlite_store.read() as s:
        saved = s.scalars(select(PlaybookVersion).order_by(PlaybookVersion.version)).all()
    assert [(v.version, v.author) for v in saved] == [(1, None), (2, "sup")]
    assert "enabled: false" in saved[-1].content
    qtbot.waitUntil(lambda: not tab.model.rows[ids.index("branch-hours")].enabled, timeout=WAIT)


def test_an_agent_gets_no_tabs(qtbot: Any, sqlite_store: Store, seeded: Seeded) -> None:
    win = open_window(qtbot, sqlite_store, seeded.agent(0))
    try:
        assert win.tabs.count() == 0
        assert win.queue is None and win.approvals is None
        notice = win.centralWidget().findChild(QLabel, "emptyState")
        assert notice is not None and "supervisor or admin role" in notice.text()
    finally:
        win.shutdown()


def test_queue_model_passes_the_model_tester(
    qtbot: Any, qtmodeltester: Any, sqlite_store: Store, seeded: Seeded
) -> None:
    runner = TaskRunner("test-queue")
    try:
        model = QueueModel(
            runner,
            lambda after: queue.page(sqlite_store, seeded.supervisor, QueueFilter(), after, 4),
        )
        model.reload()
        qtbot.waitUntil(lambda: model.rowCount() == 4 and not model.loading, timeout=WAIT)
        assert model.canFetchMore()
        while model.canFetchMore():
            model.fetchMore()
            qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
        assert model.rowCount() == len(seeded.suggestion_ids)
        qtmodeltester.check(model)
        table = TableModel([("Shown", lambda r: r.shown_at), ("Action", lambda r: r.action_id)])
        table.set_rows(model.rows)
        qtmodeltester.check(table)
        assert table.rows[0].shown_at >= T0
    finally:
        runner.stop()

"""The agent's live call panel, driven like an agent would, on the real LiveSession.

The session runs on its worker thread with a tiny bag-of-words encoder (tests/assist_fakes.py)
instead of MiniLM, so the real ranking, guided steps and wrap-up code runs in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from sayonce.intake.events import CallStarted, Utterance
from sayonce.review import approvals
from sayonce.store import Agent, Customer, Interaction, Role, Store, Suggestion, utcnow
from sayonce.trust.principal import Principal
from sayonce.ui.assist_worker import AssistWorker
from sayonce.ui.call_simulator import CallSimulator, load_call, restamp, sample_calls
from sayonce.ui.live_call_models import SuggestionItem, SuggestionModel, TranscriptModel
from sayonce.ui.live_call_panel import LiveCallPanel
from tests.assist_fakes import session_factory
from tests.ui_checks import nothing_left_running  # noqa: F401  (autouse fixture)

WAIT = 15_000
SUPERVISOR = Principal("sup", Role.SUPERVISOR, None)


def call_file(stem: str) -> Path:
    return next(path for path in sample_calls() if path.stem == stem)


@pytest.fixture
def customer(sqlite_store: Store) -> str:
    with sqlite_store.write() as s:
        s.add(Customer(ref="C-7", display_name="Ann Lee", tier="gold", segment="loyalist"))
    return "C-7"


@pytest.fixture
def agent(sqlite_store: Store) -> Principal:
    with sqlite_store.write() as s:
        row = Agent(username="ana", display_name="Ana Ruiz")
        s.add(row)
        s.flush()
        return Principal("ana", Role.AGENT, row.id)


@pytest.fixture
def panel(qtbot: Any, sqlite_store: Store, agent: Principal) -> Iterator[LiveCallPanel]:
    worker = AssistWorker(sqlite_store, agent, session_factory(sqlite_store, agent))
    widget = LiveCallPanel(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    try:
        with qtbot.waitSignal(worker.ready, timeout=WAIT):
            worker.start()
        yield widget
    finally:
        widget.poll.stop()
        worker.stop()
    assert not worker.is_running()


def play(qtbot: Any, panel: LiveCallPanel, stem: str, customer: str | None = None) -> int:
    """Replay a sample call instantly and wait until the session has applied every event."""
    simulator = CallSimulator(panel)
    simulator.event_due.connect(panel.post)
    simulator.load(call_file(stem), customer=customer)
    simulator.set_speed(0)
    with qtbot.waitSignal(simulator.finished, timeout=WAIT):
        simulator.play()
    qtbot.waitUntil(lambda: panel.worker.handled >= simulator.total, timeout=WAIT)
    qtbot.wait(50)  # the last queued update reaches the panel
    return simulator.total


def test_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    transcript = TranscriptModel()
    transcript.append("customer", "I lost my card")
    transcript.append("agent", "Let me block it")
    qtmodeltester.check(transcript)
    suggestions = SuggestionModel()
    suggestions.set_items(
        [
            SuggestionItem("replace-card", None, "Order a card", 0.8, ("said 'lost'",), None),
            SuggestionItem("refund", None, "Refund", 0.4, (), ("Needs approval", "warn")),
        ]
    )
    qtmodeltester.check(suggestions)


def test_replayed_call_fills_transcript_steps_and_wrap_up(
    qtbot: Any, panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    events = load_call(call_file("lost-card"))
    utterances = [e.event for e in events if e.event.type == "utterance"]
    play(qtbot, panel, "lost-card", customer)

    lines = panel.transcript_model.lines()
    assert [(line.speaker, line.text) for line in lines] == [
        (u.speaker, u.text) for u in utterances
    ]
    assert panel.customer.text() == customer
    # the call file reports the first step; the agent's own words tick the others
    qtbot.waitUntil(lambda: panel.steps.count() > 0, timeout=WAIT)
    statuses = [panel.steps.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)]
    assert statuses[0] == "done"
    assert "done" in statuses[1:] or "next" in statuses[1:]
    assert len(panel.sparkline.values) >= 2  # one reading per customer turn, not one per batch
    assert panel.wrap_up.isVisible()
    assert panel.wrap_up.summary.toPlainText().strip()

    # the agent edits the summary and saves it with Ctrl+S
    panel.wrap_up.summary.setPlainText("Lost card blocked; new card on its way.")
    panel.wrap_up.summary.setFocus()
    with qtbot.waitSignal(panel.worker.wrapped, timeout=WAIT) as saved:
        qtbot.keyClick(panel.wrap_up.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with sqlite_store.read() as s:
        stored = s.get(Interaction, saved.args[0])
        assert stored is not None
        assert stored.summary == "Lost card blocked; new card on its way."
        assert stored.disposition == panel.wrap_up.disposition.currentText()
    assert "Saved" in panel.wrap_up.state.text()


def _status(store: Store, action_id: str) -> tuple[str, str | None]:
    with store.read() as s:
        row = s.scalars(
            select(Suggestion).where(Suggestion.action_id == action_id).order_by(Suggestion.id)
        ).first()
        assert row is not None, f"{action_id} was never recorded"
        return row.status, row.decision_reason


def _start_call(qtbot: Any, panel: LiveCallPanel, customer: str | None, *texts: str) -> None:
    panel.post(
        CallStarted(call_id="c1", **{"from": "+14155550100"}, at=utcnow(), customer=customer)
    )
    for text in texts:
        panel.post(Utterance(call_id="c1", speaker="customer", text=text))
    qtbot.waitUntil(lambda: panel.worker.handled == 1 + len(texts), timeout=WAIT)
    qtbot.waitUntil(lambda: panel.suggestion_model.rowCount() > 0, timeout=WAIT)
    qtbot.wait(50)  # the update of the last event reaches the panel


def test_ctrl_enter_accepts_the_selected_suggestion(
    qtbot: Any, panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    _start_call(qtbot, panel, customer, "I lost my card, my card was stolen")
    top = panel.selected_action()
    assert top == "replace-card"
    panel.suggestions.setFocus()
    qtbot.keyClick(panel.suggestions, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _status(sqlite_store, "replace-card")[0] == "accepted", timeout=WAIT)
    qtbot.waitUntil(lambda: panel.steps.count() > 0, timeout=WAIT)


def test_dismiss_asks_for_a_reason(
    qtbot: Any, panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    _start_call(qtbot, panel, customer, "I lost my card, my card was stolen")
    menu = panel.dismiss_menu("replace-card")
    reasons = [a.text() for a in menu.actions()]
    assert reasons[1] == "&2  Customer declined"
    menu.actions()[1].trigger()
    qtbot.waitUntil(
        lambda: _status(sqlite_store, "replace-card") == ("dismissed", "customer declined"),
        timeout=WAIT,
    )
    qtbot.waitUntil(
        lambda: "replace-card" not in [i.action_id for i in panel.suggestion_model.items()],
        timeout=WAIT,
    )


def test_high_risk_action_waits_for_the_supervisor(
    qtbot: Any, panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    _start_call(qtbot, panel, customer, "I want to cancel my subscription please")
    assert panel.selected_action() == "retention-offer"
    panel.accept_selected()
    qtbot.waitUntil(
        lambda: _status(sqlite_store, "retention-offer")[0] == "pending_approval", timeout=WAIT
    )
    qtbot.waitUntil(lambda: _badge(panel, "retention-offer") == "Awaiting approval", timeout=WAIT)
    assert panel.poll.isActive()

    [request] = approvals.pending(sqlite_store, SUPERVISOR)
    approvals.approve(sqlite_store, SUPERVISOR, request.id, "ok")

    qtbot.waitUntil(lambda: _badge(panel, "retention-offer") == "Approved", timeout=WAIT)
    assert not panel.poll.isActive()  # nothing left to wait for


def _badge(panel: LiveCallPanel, action_id: str) -> str | None:
    for item in panel.suggestion_model.items():
        if item.action_id == action_id:
            return item.badge[0] if item.badge else None
    return None


def test_simulator_restamps_and_keeps_order(qtbot: Any) -> None:
    timed = load_call(call_file("refund"))
    offsets = [t.at_ms for t in timed]
    assert offsets == sorted(offsets) and offsets[-1] > 30_000
    start = utcnow()
    moved = restamp(timed, "sim-1", start, customer="C-9")
    assert {t.event.call_id for t in moved} == {"sim-1"}
    assert moved[0].event.customer == "C-9" and moved[0].event.at == start
    simulator = CallSimulator()
    got: list[Any] = []
    simulator.event_due.connect(got.append)
    simulator.load(call_file("refund"))
    simulator.set_speed(0)
    with qtbot.waitSignal(simulator.finished, timeout=WAIT):
        simulator.play()
    assert [e.type for e in got] == [t.event.type for t in timed]
    assert len({e.call_id for e in got}) == 1 and got[0].call_id != timed[0].event.call_id
    assert not simulator.is_playing()

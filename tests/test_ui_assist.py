"""The agent's live call panel, driven like an agent would, on the real LiveSession.

Most tests run the session on the worker thread with a tiny bag-of-words encoder
(tests/assist_fakes.py) instead of MiniLM, so the real ranking, guided steps and wrap-up code
runs in seconds; the helper-process tests run it where the app does, in another process.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from sayonce.intake.events import CallEnded, CallStarted, Utterance
from sayonce.review import approvals
from sayonce.store import Agent, Customer, Interaction, Role, Store, Suggestion, utcnow
from sayonce.trust.principal import Principal
from sayonce.ui.assist_worker import AssistWorker
from sayonce.ui.call_simulator import CallSimulator, load_call, restamp, sample_calls
from sayonce.ui.live_call_models import SuggestionItem, SuggestionModel, TranscriptModel
from sayonce.ui.live_call_panel import LiveCallPanel
from tests.assist_fakes import build_host, failing_host, session_factory
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


def test_a_rejected_request_is_unpinned_and_not_suggested_again(
    qtbot: Any, panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    _start_call(qtbot, panel, customer, "I want to cancel my subscription please")
    panel.accept_selected()
    qtbot.waitUntil(lambda: _badge(panel, "retention-offer") == "Awaiting approval", timeout=WAIT)

    [request] = approvals.pending(sqlite_store, SUPERVISOR)
    approvals.reject(sqlite_store, SUPERVISOR, request.id, "offer budget spent this month")

    qtbot.waitUntil(lambda: "retention-offer" not in _ids(panel), timeout=WAIT)
    assert panel.notice.isVisible()
    assert "rejected" in panel.notice.text() and "offer budget spent" in panel.notice.text()
    assert not panel.poll.isActive()  # nothing left to wait for
    handled = panel.worker.handled
    panel.post(Utterance(call_id="c1", speaker="customer", text="then cancel my subscription"))
    qtbot.waitUntil(lambda: panel.worker.handled > handled, timeout=WAIT)
    qtbot.wait(50)
    assert "retention-offer" not in _ids(panel)


def _ids(panel: LiveCallPanel) -> list[str]:
    return [item.action_id for item in panel.suggestion_model.items()]


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


# --- the session in a helper process (how the app runs it) -----------------------------------


def _gone(pid: int) -> bool:
    """No process, not even an unreaped zombie, has this id."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def helper_panel(qtbot: Any, sqlite_store: Store, agent: Principal) -> Iterator[LiveCallPanel]:
    """The panel with its session in a helper process (the fake encoder, for speed)."""
    worker = AssistWorker(sqlite_store, agent, builder=build_host)
    widget = LiveCallPanel(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    try:
        with qtbot.waitSignal(worker.ready, timeout=60_000):
            worker.start()
        yield widget
    finally:
        widget.poll.stop()
        worker.stop()
    assert not worker.is_running()


def test_a_replayed_call_is_assisted_from_the_helper_process_which_stop_ends(
    qtbot: Any, helper_panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    worker = helper_panel.worker
    pid = worker.helper_pid
    assert pid is not None and pid != os.getpid() and not _gone(pid)
    play(qtbot, helper_panel, "lost-card", customer)
    qtbot.waitUntil(lambda: helper_panel.steps.count() > 0, timeout=WAIT)
    assert helper_panel.customer.text() == customer
    assert helper_panel.wrap_up.isVisible()  # the call ended: the draft came back too
    with sqlite_store.read() as s:  # the helper recorded what it suggested
        shown = s.scalars(select(Suggestion.action_id)).all()
    assert "replace-card" in shown

    worker.stop()
    assert not worker.is_running()
    assert _gone(pid)


def test_approvals_reach_the_helpers_session(
    qtbot: Any, helper_panel: LiveCallPanel, sqlite_store: Store, customer: str
) -> None:
    _start_call(qtbot, helper_panel, customer, "I want to cancel my subscription please")
    helper_panel.accept_selected()
    qtbot.waitUntil(
        lambda: _badge(helper_panel, "retention-offer") == "Awaiting approval", timeout=WAIT
    )
    [request] = approvals.pending(sqlite_store, SUPERVISOR)
    approvals.reject(sqlite_store, SUPERVISOR, request.id, "not for this customer")
    qtbot.waitUntil(lambda: "retention-offer" not in _ids(helper_panel), timeout=WAIT)
    assert "not for this customer" in helper_panel.notice.text()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_helper_crash_is_shown_and_the_call_goes_on(
    qtbot: Any, helper_panel: LiveCallPanel, customer: str
) -> None:
    worker = helper_panel.worker
    _start_call(qtbot, helper_panel, customer, "I lost my card")
    pid = worker.helper_pid
    assert pid is not None
    with qtbot.waitSignal(worker.failed, timeout=WAIT) as failed:
        os.kill(pid, signal.SIGKILL)
    assert failed.args[0].startswith("Suggestions are unavailable:")
    assert helper_panel.notice.isVisible() and "exit code -9" in helper_panel.notice.text()
    # the agent keeps working: the transcript still follows the call, nothing hangs
    helper_panel.post(Utterance(call_id="c1", speaker="customer", text="are you still there?"))
    assert helper_panel.transcript_model.lines()[-1].text == "are you still there?"
    started = time.perf_counter()
    worker.stop()
    assert time.perf_counter() - started < 5
    assert _gone(pid)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_the_next_call_gets_a_fresh_helper_after_a_crash(
    qtbot: Any, helper_panel: LiveCallPanel, customer: str
) -> None:
    worker = helper_panel.worker
    _start_call(qtbot, helper_panel, customer, "I lost my card")
    lost = worker.helper_pid
    assert lost is not None
    with qtbot.waitSignal(worker.failed, timeout=WAIT):
        os.kill(lost, signal.SIGKILL)
    helper_panel.post(CallEnded(call_id="c1", at=utcnow()))
    # the agent takes the next call: suggestions are back, from a new helper
    updates: list[Any] = []
    worker.updated.connect(updates.append)
    with qtbot.waitSignal(worker.ready, timeout=WAIT):
        helper_panel.post(
            CallStarted(call_id="c2", **{"from": "+14155550100"}, at=utcnow(), customer=customer)
        )
    helper_panel.post(Utterance(call_id="c2", speaker="customer", text="my card was stolen"))
    qtbot.waitUntil(lambda: any(u.suggestions for u in updates), timeout=WAIT)
    assert worker.helper_pid not in (None, lost)
    assert not helper_panel.notice.isVisible()
    worker.stop()
    assert _gone(lost)


def test_a_helper_that_cannot_start_says_why(
    qtbot: Any, sqlite_store: Store, agent: Principal
) -> None:
    worker = AssistWorker(sqlite_store, agent, builder=failing_host)
    panel = LiveCallPanel(worker)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(worker.failed, timeout=60_000) as failed:
            worker.start()
        assert failed.args[0] == "Suggestions are unavailable: the model folder is empty"
        assert panel.notice.text() == failed.args[0]
        panel.post(CallStarted(call_id="c1", **{"from": "+14155550100"}, at=utcnow()))
        assert panel.status.text() == "On call"
    finally:
        worker.stop()
    assert not worker.is_running()
    assert worker.helper_pid is not None and _gone(worker.helper_pid)


def test_stop_while_the_helper_loads_ends_it_at_once(
    qtbot: Any, sqlite_store: Store, agent: Principal
) -> None:
    worker = AssistWorker(sqlite_store, agent)  # the app's default: MiniLM, in a helper
    worker.start()
    qtbot.waitUntil(lambda: worker.helper_pid is not None, timeout=WAIT)
    pid = worker.helper_pid
    assert pid is not None
    started = time.perf_counter()
    worker.stop()
    assert time.perf_counter() - started < 5  # not the seconds the model takes to load
    assert not worker.is_running() and _gone(pid)


def test_the_apps_worker_loads_the_model_in_the_helper_not_here(
    qtbot: Any, sqlite_store: Store, agent: Principal, customer: str
) -> None:
    torch_here = "torch" in sys.modules  # another test of this run may have loaded it
    worker = AssistWorker(sqlite_store, agent)  # no factory: the app's own session
    panel = LiveCallPanel(worker)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(worker.ready, timeout=120_000):
            worker.start()
        _start_call(qtbot, panel, customer, "I lost my card and I think it was stolen")
        assert panel.selected_action() == "replace-card"
        pid = worker.helper_pid
        assert pid is not None and pid != os.getpid()
        if sys.platform.startswith("linux"):
            maps = Path(f"/proc/{pid}/maps").read_text()
            assert "libtorch" in maps  # the model is loaded over there
        assert ("torch" in sys.modules) == torch_here  # and not here
    finally:
        panel.poll.stop()
        worker.stop()
    assert not worker.is_running()

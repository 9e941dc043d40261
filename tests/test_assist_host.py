"""The session host and its helper process: commands in, plain picklable results out."""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from sayonce.assist.host import Command, SessionHost
from sayonce.assist.host_process import HelperStopped, HostProcess
from sayonce.config import OFFLINE_ENV
from sayonce.history.told_us import ToldUs
from sayonce.intake.events import ActionTaken, CallEnded, CallStarted, Utterance
from sayonce.review import approvals
from sayonce.review.approvals import Decision
from sayonce.store import Agent, Customer, Identity, Role, Store, utcnow
from sayonce.trust.principal import Principal
from tests.assist_fakes import build_host, crashing_host, failing_host, offline_host
from tests.assist_support import said, started

SUPERVISOR = Principal("sup", Role.SUPERVISOR, None)
PHONE = "+441134960000"


@pytest.fixture
def agent(sqlite_store: Store) -> Principal:
    with sqlite_store.write() as s:
        row = Agent(username="ana", display_name="Ana Ruiz")
        s.add(row)
        customer = Customer(ref="C-7", display_name="Ann Lee", tier="gold", segment="loyalist")
        customer.identities.append(Identity(kind="phone", value=PHONE, raw=PHONE))
        s.add(customer)
        s.flush()
        return Principal("ana", Role.AGENT, row.id)


@pytest.fixture
def host(sqlite_store: Store, agent: Principal) -> SessionHost:
    built: SessionHost = build_host(sqlite_store, agent)
    return built


def outputs(host: SessionHost, kind: str, *args: Any) -> dict[str, Any]:
    return dict(host.run(Command(kind, args)))


def gone(pid: int) -> bool:
    """No process (not even a zombie waiting to be reaped) has this id."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_everything_crossing_the_pipe_pickles(host: SessionHost, agent: Principal) -> None:
    events = [
        started(call_id="c1", at=utcnow()),
        Utterance(call_id="c1", speaker="customer", text="I lost my card, order A-1001"),
        ActionTaken(call_id="c1", action_id="replace-card", step_id="block-card"),
        CallEnded(call_id="c1", at=utcnow()),
    ]
    updates = [outputs(host, "event", event)["updated"] for event in events]
    final = updates[-1]
    assert final.suggestions and final.steps and final.entities and final.wrap_up is not None
    now = utcnow()
    facts = [ToldUs(1, "order", "order A-1001", "A-1001", now, 3, 2, "chat", False, now)]
    decision = Decision(7, "rejected", "not this month", utcnow())
    for value in [*events, *updates, decision, Command("event", (events[1],)), agent, facts]:
        assert pickle.loads(pickle.dumps(value)) == value


def test_call_started_brings_the_callers_facts_and_the_wrap_up_is_stored(
    host: SessionHost,
) -> None:
    got = outputs(host, "event", started(call_id="c1", at=utcnow()))
    assert got["updated"].customer_ref == "C-7"
    assert got["facts"] == []  # a new customer has told us nothing yet
    outputs(host, "event", said("I lost my card", call_id="c1"))
    wrapped = outputs(host, "wrap_up", "Card blocked.", "resolved")
    assert isinstance(wrapped["wrapped"], int)


def test_a_failing_command_is_reported_and_the_session_goes_on(host: SessionHost) -> None:
    got = outputs(host, "accept", "replace-card")  # no call yet
    assert "no call in progress" in got["failed"]
    got = outputs(host, "event", said("I lost my card", call_id="c2"))
    assert "replace-card" in [s.action_id for s in got["updated"].suggestions]


def test_a_rejection_polled_from_the_database_unpins_the_action(
    host: SessionHost, sqlite_store: Store
) -> None:
    outputs(host, "event", started(call_id="c1", at=utcnow()))
    outputs(host, "event", said("I want to cancel my subscription please", call_id="c1"))
    pinned = outputs(host, "accept", "retention-offer")["updated"].suggestions[0]
    assert pinned.action_id == "retention-offer" and pinned.in_progress
    assert outputs(host, "approvals") == {"decisions": {"retention-offer": _pending(host)}}

    [request] = approvals.pending(sqlite_store, SUPERVISOR)
    approvals.reject(sqlite_store, SUPERVISOR, request.id, "not eligible this month")
    got = outputs(host, "approvals")

    assert got["decisions"]["retention-offer"].status == "rejected"
    update = got["updated"]
    assert "retention-offer" not in [s.action_id for s in update.suggestions]
    assert (
        "retention-offer",
        "rejected by a supervisor: not eligible this month",
    ) in update.suppressed
    assert outputs(host, "approvals") == {}  # nothing left to ask about


def _pending(host: SessionHost) -> Decision:
    [(row_id, _)] = host.session.awaiting_approval().items()
    return Decision(row_id, "pending_approval", None, None)


@pytest.fixture
def helper(sqlite_store: Store, sqlite_url: str, agent: Principal) -> Iterator[HostProcess]:
    process = HostProcess(sqlite_url, agent, build_host)
    try:
        yield process
    finally:
        process.stop()


def test_the_helper_runs_the_session_in_another_process_and_stops_cleanly(
    helper: HostProcess,
) -> None:
    helper.start()
    assert helper.pid is not None and helper.pid != os.getpid() and helper.alive()
    helper.call(Command("event", (started(call_id="c1", at=utcnow()),)))
    [(kind, update)] = helper.call(Command("event", (said("I lost my card", call_id="c1"),)))
    assert kind == "updated" and update.suggestions[0].action_id == "replace-card"

    helper.stop()
    assert helper.exit_code == 0
    assert gone(helper.pid)


def test_a_helper_that_cannot_build_its_session_says_why(
    sqlite_store: Store, sqlite_url: str, agent: Principal
) -> None:
    helper = HostProcess(sqlite_url, agent, failing_host)
    with pytest.raises(HelperStopped, match="the model folder is empty"):
        helper.start()
    assert helper.pid is not None and gone(helper.pid)


def test_a_helper_that_dies_while_loading_is_reported(
    sqlite_store: Store, sqlite_url: str, agent: Principal
) -> None:
    helper = HostProcess(sqlite_url, agent, crashing_host)
    try:
        with pytest.raises(HelperStopped, match="exit code 3"):
            helper.start()
    finally:
        helper.stop()
    assert helper.pid is not None and gone(helper.pid)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_helper_killed_mid_call_raises_instead_of_hanging(helper: HostProcess) -> None:
    helper.start()
    assert helper.pid is not None
    os.kill(helper.pid, signal.SIGKILL)
    with pytest.raises(HelperStopped, match="exit code -9"):
        helper.call(Command("event", (started(call_id="c1", at=utcnow()),)))


def test_a_loading_helper_is_let_go_when_the_desktop_stops_waiting(
    sqlite_store: Store, sqlite_url: str, agent: Principal
) -> None:
    from sayonce.assist.host_process import Cancelled

    helper = HostProcess(sqlite_url, agent, build_host)
    with pytest.raises(Cancelled):
        helper.start(cancelled=lambda: True)
    assert helper.pid is not None and gone(helper.pid)


def test_the_helper_is_offline_before_any_model_library_loads(
    sqlite_store: Store, sqlite_url: str, agent: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in OFFLINE_ENV:  # the desktop's own environment says nothing
        monkeypatch.delenv(key, raising=False)
    helper = HostProcess(sqlite_url, agent, offline_host)
    try:
        helper.start()  # offline_host refuses to build otherwise
    finally:
        helper.stop()


def test_the_call_started_event_pickles_with_its_alias() -> None:
    event = CallStarted.model_validate({"call_id": "c9", "from": PHONE, "at": utcnow()})
    copy = pickle.loads(pickle.dumps(event))
    assert copy.from_ == PHONE and copy == event

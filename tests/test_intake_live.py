"""Live intake: the hub, the call recorder and the three sources (stream, file, loopback HTTP)."""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sayonce.intake.events import CallStarted, Utterance
from sayonce.intake.live import IntakeHub, IntakeProblem
from sayonce.intake.recorder import CallRecorder, StoredCall
from sayonce.intake.sources import FileFollower, LoopbackServer, read_stream
from sayonce.store import Customer, Identity, Interaction, Store, Turn


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        pause.wait(0.02)
    raise AssertionError("condition not met in time")


def _call(call_id: str, caller: str = "+1 415 555 0101", **start: Any) -> list[str]:
    events: list[dict[str, Any]] = [
        {"type": "call_started", "call_id": call_id, "from": caller, "to": "+18005550100",
         "at": "2026-03-06T16:30:00Z", **start},
        {"type": "utterance", "call_id": call_id, "speaker": "customer", "text": "My card is",
         "final": False, "offset_ms": 500},
        {"type": "utterance", "call_id": call_id, "speaker": "customer",
         "text": "My card 4111 1111 1111 1111 was charged twice.", "offset_ms": 1000},
        {"type": "action", "call_id": call_id, "action_id": "refund_duplicate_charge"},
        {"type": "utterance", "call_id": call_id, "speaker": "agent",
         "text": "I have refunded the second charge.", "at": "2026-03-06T16:31:00Z"},
        {"type": "call_ended", "call_id": call_id, "at": "2026-03-06T16:33:00Z"},
    ]  # fmt: skip
    return [json.dumps(e) for e in events]


@pytest.fixture
def wired(store: Store) -> tuple[IntakeHub, CallRecorder, list[StoredCall], list[IntakeProblem]]:
    hub = IntakeHub()
    recorder = CallRecorder(store)
    recorder.attach(hub)
    stored: list[StoredCall] = []
    problems: list[IntakeProblem] = []
    recorder.on_stored(stored.append)
    hub.subscribe_problems(problems.append)
    return hub, recorder, stored, problems


def test_subscribers_get_events_in_order_and_bad_lines_are_reported() -> None:
    hub = IntakeHub()
    seen: list[Any] = []
    problems: list[IntakeProblem] = []
    hub.subscribe(seen.append)
    hub.subscribe(lambda event: 1 / 0)  # a broken subscriber must not stop the others
    hub.subscribe_problems(problems.append)
    lines = _call("c1")
    hub.publish_line(lines[0], "t:1")
    hub.publish_line(
        '{"type": "utterance", "call_id": "c1", "speaker": "robot", "text": "x"}', "t:2"
    )
    hub.publish_line(b"\xff\xfe", "t:3")
    hub.publish_line("{not json", "t:4")
    hub.publish_line(lines[2], "t:5")
    assert [type(e) for e in seen] == [CallStarted, Utterance]
    bad = [(p.where, p.message) for p in problems if p.where.startswith("t:")]
    assert [w for w, _ in bad] == ["t:2", "t:3", "t:4"]
    assert "field 'speaker'" in bad[0][1] and "UTF-8" in bad[1][1] and "JSON" in bad[2][1]
    assert sum(p.where.startswith("subscriber") for p in problems) == 2
    assert hub.counts.accepted == 2 and hub.counts.rejected == 3


def test_a_finished_call_is_stored_whole_and_redacted(store: Store, wired: Any) -> None:
    hub, recorder, stored, _ = wired
    for n, line in enumerate(_call("c1"), start=1):
        hub.publish_line(line, f"t:{n}")
    (call,) = stored
    assert call.new_profile and call.turns == 2 and recorder.active_calls() == []
    with store.read() as s:
        interaction = s.get(Interaction, call.interaction_id)
        turns = s.scalars(select(Turn).where(Turn.interaction_id == call.interaction_id)).all()
        profile = s.get(Customer, call.customer_id)
        phone = s.scalar(select(Identity.value).where(Identity.customer_id == call.customer_id))
    assert interaction.external_id == "c1" and interaction.channel == "call"
    assert str(interaction.ended_at) == "2026-03-06 16:33:00+00:00"
    assert [t.speaker for t in turns] == ["customer", "agent"]
    assert "4111" not in interaction.body and "[CARD]" in turns[0].text
    assert str(turns[0].at) == "2026-03-06 16:30:01+00:00"  # start + offset
    assert profile.unverified and phone == "+14155550101"


def test_a_known_caller_is_recognised_and_replays_are_stored_once(store: Store, wired: Any) -> None:
    hub, _, stored, _ = wired
    for line in _call("c1"):
        hub.publish_line(line, "t")
    for line in _call("c2", caller="415.555.0101") + _call("c1"):
        hub.publish_line(line, "t")
    assert [s.call_id for s in stored] == ["c1", "c2"]
    assert stored[1].customer_id == stored[0].customer_id and not stored[1].new_profile
    with store.read() as s:
        assert len(s.scalars(select(Interaction)).all()) == 2


def test_the_agents_choice_and_the_customer_field_win(store: Store, wired: Any) -> None:
    hub, recorder, stored, _ = wired
    with store.write() as s:
        chosen = Customer(ref="C-777777", display_name="Dana")
        s.add(chosen)
        s.flush()
        chosen_id = chosen.id
    lines = _call("c1")
    hub.publish_line(lines[0], "t")
    assert recorder.assign_customer("c1", chosen_id)
    for line in lines[1:]:
        hub.publish_line(line, "t")
    for line in _call("c2", caller="anonymous", customer="c-777777"):
        hub.publish_line(line, "t")
    assert [s.customer_id for s in stored] == [chosen_id, chosen_id]


def test_events_for_unknown_calls_are_reported_not_raised(wired: Any) -> None:
    hub, _, stored, problems = wired
    hub.publish_line(_call("ghost")[2], "t:1")
    hub.publish_line(_call("ghost")[-1], "t:2")
    assert stored == []
    assert [p.where for p in problems] == ["call ghost", "call ghost"]


def test_a_call_that_cannot_be_stored_is_kept_and_retried(
    store: Store, wired: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    hub, recorder, stored, problems = wired
    real_write = store.write

    def down() -> Any:
        raise OperationalError("BEGIN", {}, Exception("server closed the connection"))

    monkeypatch.setattr(store, "write", down)
    for line in _call("c1"):
        hub.publish_line(line, "t")
    assert stored == [] and recorder.unsaved() == 1
    assert "will retry" in problems[-1].message
    monkeypatch.setattr(store, "write", real_write)
    assert recorder.retry() == 1 and [s.call_id for s in stored] == ["c1"]


def test_stream_source_names_lines(wired: Any) -> None:
    hub, _, stored, problems = wired
    data = "\n".join(["", *_call("c1")[:3], "garbage", *_call("c1")[3:]]).encode()
    assert read_stream(io.BytesIO(data), hub, "stdin") == 8
    assert [s.call_id for s in stored] == ["c1"]
    assert [p.where for p in problems] == ["stdin:5"]


def test_file_follower_reads_appended_and_half_written_lines(tmp_path: Path, wired: Any) -> None:
    hub, _, stored, _ = wired
    path = tmp_path / "calls.jsonl"
    lines = _call("c1")
    path.write_text(lines[0] + "\n", encoding="utf-8")
    follower = FileFollower(path, hub, poll_s=0.02)
    thread = threading.Thread(target=follower.run, daemon=True)
    thread.start()
    try:
        _wait_until(lambda: follower.lines == 1)
        with path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines[1:-1]) + "\n" + lines[-1][:10])
            out.flush()
            _wait_until(lambda: follower.lines == len(lines) - 1)
            assert stored == []  # the last line is not complete yet
            out.write(lines[-1][10:] + "\n")
        _wait_until(lambda: len(stored) == 1)
        rotated = tmp_path / "calls.jsonl.new"
        rotated.write_text("\n".join(_call("c2")) + "\n", encoding="utf-8")
        rotated.replace(path)  # log rotation: a new file under the same name
        _wait_until(lambda: len(stored) == 2)
        path.write_text("")  # truncated in place, then written again
        _wait_until(lambda: follower.lines == 0)
        path.write_text("\n".join(_call("c3")) + "\n", encoding="utf-8")
        _wait_until(lambda: len(stored) == 3)
    finally:
        follower.stop()
        thread.join(timeout=5)
    assert [s.call_id for s in stored] == ["c1", "c2", "c3"]


def _post(port: int, body: bytes, path: str = "/events", headers: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_loopback_endpoint_takes_json_lines_and_bounds_bodies(wired: Any) -> None:
    hub, _, stored, _ = wired
    server = LoopbackServer(hub, "127.0.0.1", 0, max_body=10_000).start()
    try:
        port = server.address[1]
        lines = _call("c1")
        status, reply = _post(port, "\n".join([*lines[:2], "{oops"]).encode())
        assert status == 200 and reply["accepted"] == 2 and reply["rejected"] == 1
        assert reply["errors"][0].startswith("http:1:3: not valid JSON")
        assert _post(port, "\n".join(lines[2:]).encode())[0] == 200
        assert [s.call_id for s in stored] == ["c1"]
        assert _post(port, b"x" * 20_000)[0] == 413
        assert _post(port, b"{}", path="/other")[0] == 404
        assert _post(port, b"nonsense")[0] == 400
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_loopback_endpoint_refuses_other_addresses(host: str) -> None:
    with pytest.raises(ValueError, match="this computer only"):
        LoopbackServer(IntakeHub(), host, 0)


def test_cli_intake_from_stdin_stores_calls(sqlite_url: str) -> None:
    events = "\n".join([*_call("c1"), "{bad", *_call("c2")[:2]]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "sayonce", "intake", "--stdin", "--db", sqlite_url],
        input=events.encode(),
        capture_output=True,
        timeout=120,
    )
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "stored call c1" in result.stdout.decode()
    assert "stdin:7" in err and "1 call(s) never ended, not stored: c2" in err


def test_a_call_the_database_refuses_is_dropped_not_retried_forever(
    store: Store, wired: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    hub, recorder, stored, problems = wired
    real_store = CallRecorder._store

    def refuse_c1(self: CallRecorder, call: Any) -> Any:
        if call.call_id == "c1":
            raise IntegrityError("INSERT", {}, Exception("value violates a constraint"))
        return real_store(self, call)

    monkeypatch.setattr(CallRecorder, "_store", refuse_c1)
    for line in _call("c1") + _call("c2"):
        hub.publish_line(line, "t")
    assert [s.call_id for s in stored] == ["c2"] and recorder.unsaved() == 0
    assert any("could not be stored, dropped" in p.message for p in problems)


def test_nul_characters_never_reach_the_database(store: Store, wired: Any) -> None:
    hub, _, stored, _ = wired
    lines = _call("c1")
    lines[2] = json.dumps(
        {"type": "utterance", "call_id": "c1", "speaker": "customer", "text": "odd\x00byte"}
    )
    for line in lines:
        hub.publish_line(line, "t")
    (call,) = stored
    with store.read() as s:
        texts = s.scalars(select(Turn.text).where(Turn.interaction_id == call.interaction_id))
        assert "oddbyte" in list(texts)

"""Self-test: an installed SayOnce checks itself end to end on built-in samples.

``sayonce selftest`` runs these checks in order and prints each with its time. They use the
same code the app uses (the store and its migrations, the local models, redaction, the
summarizer, the assist engine with the default playbook); the samples are built in, so a
bundle missing a file fails the check that needs it, with a message naming what is missing.
Nothing here imports Qt: the window check lives with the command (``sayonce.cli.selftest``).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from sayonce.store import Channel, Customer, Interaction, Store, open_store, utcnow

if TYPE_CHECKING:
    from sayonce.assist.host import SessionHost
    from sayonce.assist.host_process import HostBuilder
    from sayonce.assist.playbook import Playbook
    from sayonce.trust.principal import Principal

# A short card-loss call: a card number read out, an order number that must survive redaction,
# an action taken and a promise made, so every check has something real to find.
SAMPLE_CALL: tuple[tuple[str, str], ...] = (
    ("agent", "Thank you for calling, this is Sam. How can I help you today?"),
    ("customer", "Hi, I think I lost my debit card yesterday and I'm worried someone will use it."),
    ("agent", "I'm sorry to hear that. I can block the card right away and send you a new one."),
    ("customer", "Please do. The number is 4111 1111 1111 1111, it was in my wallet."),
    ("agent", "Thank you. I've blocked the card so nobody can use it."),
    ("customer", "Also my order A-10424 hasn't arrived yet, can you check that too?"),
    ("agent", "Order A-10424 is with the courier and will arrive tomorrow."),
    ("agent", "Your replacement card will arrive within 5 business days, I'll email you today."),
    ("customer", "Great, thanks for your help."),
)

SAMPLE_PII = "My card is 4111 1111 1111 1111, write to jane.doe@example.com about order A-10424."
CARD_NUMBER = "4111 1111 1111 1111"


class CheckFailed(Exception):
    """A check ran and found something wrong; the message says what."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass(slots=True)
class SelfTest:
    """What the checks share: the database URL, the open store, loaded models."""

    db_url: str
    scratch: bool = True  # a throwaway database: the round trip may keep what it writes
    store: Store | None = None
    shared: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Release the database connections."""
        if self.store is not None:
            self.store.dispose()
            self.store = None


Check = Callable[[SelfTest], str]


def run_check(name: str, check: Check, state: SelfTest) -> CheckResult:
    """Run one check, timing it; any exception is a failure reported in one line."""
    start = time.perf_counter()
    try:
        detail = check(state)
        ok = True
    except CheckFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # the self-test reports every failure, it never crashes
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return CheckResult(name, ok, time.perf_counter() - start, detail)


def run_checks(checks: list[tuple[str, Check]], state: SelfTest) -> Iterator[CheckResult]:
    """Run every check in order (a failure does not stop the others)."""
    for name, check in checks:
        yield run_check(name, check, state)


def format_result(result: CheckResult) -> str:
    """One line: ``ok   open database          0.21 s  detail``."""
    status = "ok" if result.ok else "FAIL"
    detail = f"  {result.detail}" if result.detail else ""
    return f"{status:<5}{result.name:<22}{result.seconds:>7.2f} s{detail}"


class _Rollback(Exception):
    """Raised inside a write block to undo the round trip on a real database."""


def check_database(state: SelfTest) -> str:
    """Open and migrate the database, then write, find (full text) and read back a record."""
    from sayonce.store.migrate import current_revision, head_revision

    state.store = open_store(state.db_url)
    engine = state.store.engine
    revision, head = current_revision(engine), head_revision(engine)
    if revision != head:
        raise CheckFailed(f"schema is at {revision}, expected {head}")
    found = _round_trip(state.store, keep=state.scratch)
    if not found:
        raise CheckFailed("a record written was not found by full-text search")
    backend = engine.dialect.name
    return f"{backend}, schema {revision}, write + full-text search ok"


def _round_trip(store: Store, keep: bool) -> bool:
    marker = f"selftest{uuid.uuid4().hex[:12]}"
    found = False
    try:
        with store.write() as session:
            customer = Customer(ref=f"SELFTEST-{marker[-12:]}", display_name="Self Test")
            session.add(customer)
            session.flush()
            session.add(
                Interaction(
                    customer_id=customer.id,
                    channel=Channel.CALL,
                    started_at=utcnow(),
                    subject="selftest",
                    body=f"replacement card {marker}",
                    source="selftest",
                    external_id=marker,
                )
            )
            session.flush()
            found = _full_text_hits(session, marker) == 1
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    return found


def _full_text_hits(session: Any, word: str) -> int:
    # the timeline search's own query (FTS5 on SQLite, the GIN index on PostgreSQL)
    from sayonce.history.fulltext import interaction_match, search_params

    params = search_params(word)
    if params is None:
        return 0
    match = interaction_match(session.get_bind().dialect.name)
    return int(
        session.execute(select(func.count(Interaction.id)).where(match), params).scalar_one()
    )


def check_models(state: SelfTest) -> str:
    """Load the local models and check that embeddings carry meaning."""
    import numpy as np

    from sayonce.nlp import models
    from sayonce.nlp.embeddings import get_encoder

    missing = [f"{name}: {detail}" for name, ok, detail in models.check() if not ok]
    if missing:
        raise CheckFailed("; ".join(missing))
    encoder = get_encoder()
    vectors = encoder.encode(
        ["I lost my card", "my bank card is missing", "what time does the store open"]
    )
    same, other = float(np.dot(vectors[0], vectors[1])), float(np.dot(vectors[0], vectors[2]))
    if not same > other:
        raise CheckFailed(f"embeddings look wrong (similar {same:.2f} <= unrelated {other:.2f})")
    state.shared["encoder"] = encoder
    return f"{encoder.name}, {encoder.dimension} dimensions, similar {same:.2f} > other {other:.2f}"


def check_redaction(state: SelfTest) -> str:
    """A card number and an email come out as placeholders; the order number stays."""
    try:
        from sayonce.privacy.redact import redact
    except ImportError as exc:
        raise CheckFailed(f"redaction not available: {exc}") from exc
    result = redact(SAMPLE_PII)
    problems = []
    if CARD_NUMBER in result or "[CARD]" not in result:
        problems.append("the card number was not replaced by [CARD]")
    if "jane.doe@example.com" in result:
        problems.append("the email address was left in")
    if "A-10424" not in result:
        problems.append("the order number A-10424 was destroyed")
    if problems:
        raise CheckFailed(f"{'; '.join(problems)}: {result!r}")
    return result


def check_summary(state: SelfTest) -> str:
    """Summarize the sample call: the issue and the promise are found, the card is redacted."""
    try:
        from sayonce.nlp.conversation import TurnText
        from sayonce.nlp.summarize import summarize
    except ImportError as exc:
        raise CheckFailed(f"summarizer not available: {exc}") from exc
    summary = summarize([TurnText(i, who, said) for i, (who, said) in enumerate(SAMPLE_CALL)])
    problems = []
    if not any("card" in point.text.lower() for point in summary.issue):
        problems.append(f"issue not found (got {[p.text for p in summary.issue]})")
    if not summary.promises:
        problems.append("the promise (replacement within 5 business days) was missed")
    if not any(m.value.endswith("10424") for m in summary.entities):
        problems.append("order A-10424 not among the entities")
    if CARD_NUMBER in summary.to_json():
        problems.append("the card number reached the summary")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"{summary.outcome_label}: {_clip(summary.text)}"


def check_suggestions(state: SelfTest) -> str:
    """Replay the sample call through the live session with the default playbook."""
    try:
        from sayonce.assist.customer_context import CustomerContext
        from sayonce.assist.relevance import ActionIndex
        from sayonce.assist.session import LiveSession
    except ImportError as exc:
        raise CheckFailed(f"assist engine not available: {exc}") from exc
    encoder = state.shared.get("encoder")
    if encoder is None:
        raise CheckFailed("needs the models, which did not load")
    playbook, expected = _playbook_and_lost_card_actions()
    # No store: the self-test records no suggestion, on any database.
    session = LiveSession(playbook, ActionIndex(playbook, encoder), context=CustomerContext())
    updates = [session.handle(event) for event in _sample_call_events()]
    return _lost_card_on_top(updates, expected)


def _playbook_and_lost_card_actions() -> tuple[Playbook, set[str]]:
    from sayonce.assist.playbook import load_default_playbook

    playbook = load_default_playbook()
    expected = {a.id for a in playbook.enabled_actions if "lost-card" in a.topics}
    if not expected:
        raise CheckFailed("the default playbook has no action for a lost card")
    return playbook, expected


def _sample_call_events() -> list[Any]:
    """SAMPLE_CALL as intake events: call_started, one utterance per turn, call_ended."""
    from sayonce.intake.events import CallEnded, CallStarted, Utterance

    call = f"selftest-{uuid.uuid4().hex[:8]}"
    started = {"call_id": call, "from": "+14155550100", "at": utcnow()}
    turns = [
        Utterance.model_validate({"call_id": call, "speaker": speaker, "text": said})
        for speaker, said in SAMPLE_CALL
    ]
    return [CallStarted.model_validate(started), *turns, CallEnded(call_id=call, at=utcnow())]


def _lost_card_on_top(updates: list[Any], expected: set[str]) -> str:
    """Judge the session's updates, one per event of :func:`_sample_call_events`."""
    top, first_turn = None, None
    for seq, update in enumerate(updates[1:-1]):
        if top is None and update.suggestions and update.suggestions[0].action_id in expected:
            top, first_turn = update.suggestions[0], seq
    if top is None:
        raise CheckFailed(f"{'/'.join(sorted(expected))} was never the top suggestion")
    if not top.reasons:
        raise CheckFailed(f"{top.action_id} was suggested without a reason")
    if updates[-1].wrap_up is None:
        raise CheckFailed("no wrap-up was ready at the end of the call")
    return f"{top.action_id} on top after turn {first_turn}: {_clip(top.reasons[0].text, 60)}"


# The helper imports torch and loads the model itself: seconds on a workstation, more on a
# busy one; past this the check gives up (and ends the helper) instead of hanging.
HELPER_TIMEOUT_S = 180.0


def build_selftest_host(store: Store, principal: Principal) -> SessionHost:
    """What the assist helper check's process builds: the default playbook, nothing recorded.

    Module-level, so the helper process can import it by name (like the desktop's
    :func:`sayonce.review.live_assist.build_host`). The host gets no store: the self-test
    writes no suggestion to any database.
    """
    from sayonce.assist.customer_context import CustomerContext
    from sayonce.assist.host import SessionHost
    from sayonce.assist.relevance import ActionIndex
    from sayonce.assist.session import LiveSession
    from sayonce.nlp.embeddings import get_encoder

    playbook, _expected = _playbook_and_lost_card_actions()
    index = ActionIndex(playbook, get_encoder())
    return SessionHost(LiveSession(playbook, index, context=CustomerContext()))


def check_assist_helper(
    state: SelfTest,
    builder: HostBuilder = build_selftest_host,
    timeout_s: float = HELPER_TIMEOUT_S,
) -> str:
    """Replay the sample call through the desktop's assist helper process, then stop it.

    The same machinery as the live call panel (:class:`~sayonce.assist.host_process.
    HostProcess`: a ``spawn``-ed process that opens the database by its URL and loads the
    model), so a bundle whose helper cannot start, import or answer fails here. Every wait is
    bounded by ``timeout_s`` overall.
    """
    try:
        from sayonce.assist.host import Command
        from sayonce.assist.host_process import Cancelled, HelperStopped, HostProcess
        from sayonce.trust.principal import Principal
    except ImportError as exc:
        raise CheckFailed(f"assist helper not available: {exc}") from exc
    if state.store is None:
        raise CheckFailed("needs the database, which did not open")
    _playbook, expected = _playbook_and_lost_card_actions()
    deadline = time.monotonic() + timeout_s

    def too_long() -> bool:
        return time.monotonic() > deadline

    helper = HostProcess(state.db_url, Principal.system("selftest"), builder)
    start, ready_s = time.perf_counter(), None
    try:
        helper.start(cancelled=too_long)
        ready_s = time.perf_counter() - start
        events = _sample_call_events()
        start = time.perf_counter()
        updates = [_updated(helper.call(Command("event", (e,)), too_long)) for e in events]
        replay_s = time.perf_counter() - start
        verdict = _lost_card_on_top(updates, expected)
    except Cancelled as exc:
        waiting = "to start" if ready_s is None else "to answer"
        raise CheckFailed(
            f"the assist helper took longer than {timeout_s:g} s {waiting} (it was ended)"
        ) from exc
    except HelperStopped as exc:
        if ready_s is None:  # the helper's own reason, or how it died
            raise CheckFailed(f"the assist helper could not start: {exc}") from exc
        raise CheckFailed(str(exc)) from exc
    finally:
        helper.stop()  # bounded: asked, then terminated, then killed
    pid = helper.pid
    if helper.exit_code != 0:
        raise CheckFailed(f"the assist helper exited with code {helper.exit_code} when stopped")
    if pid is not None and _still_running(pid):
        raise CheckFailed(f"the assist helper (pid {pid}) is still running after it stopped")
    return (
        f"ready in {ready_s:.2f} s, {len(events)} events in {replay_s:.2f} s, exit 0; "
        f"{_clip(verdict, 50)}"
    )


def _updated(outputs: list[tuple[str, Any]]) -> Any:
    """The session's update among one command's outputs (a failed command fails the check)."""
    found = dict(outputs)
    if "failed" in found:
        raise CheckFailed(f"the assist helper could not apply an event: {found['failed']}")
    if "updated" not in found:
        raise CheckFailed(f"the assist helper answered an event with {sorted(found)}")
    return found["updated"]


def _still_running(pid: int) -> bool:
    """Whether a process (even a zombie) has this id; POSIX only (elsewhere: exit code)."""
    if os.name != "posix":
        return False  # os.kill on Windows would end the process, not probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CHECKS: list[tuple[str, Check]] = [
    ("open database", check_database),
    ("load models", check_models),
    ("redact", check_redaction),
    ("summarize", check_summary),
    ("suggest", check_suggestions),
    ("assist helper", check_assist_helper),
]


def core_checks() -> list[tuple[str, Check]]:
    """The Qt-free checks, in the order they run."""
    return list(CHECKS)

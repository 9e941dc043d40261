"""Record live calls: keep each call in memory while it lasts, store it whole when it ends.

On ``call_ended`` the call becomes one :class:`~sayonce.store.Interaction` with its redacted
turns, written in ONE transaction, for the customer the agent picked (see
:meth:`CallRecorder.assign_customer`), else the event's ``customer`` (a ref or an id), else
the caller (phone, or email/handle for chats). An unknown caller gets a new *unverified*
profile holding that identity, to be linked to a real one later. Interim (non-final)
utterances are not stored. A call that cannot be stored (database away) is kept and retried
on the next call's end or :meth:`CallRecorder.retry`; a replayed call is stored once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from sayonce.identity.lookup import probes
from sayonce.identity.normalize import DEFAULT_REGION
from sayonce.identity.resolve import CustomerRef, Key, Resolver
from sayonce.intake.agents import AgentDirectory
from sayonce.intake.events import ActionTaken, CallEnded, CallStarted, Utterance
from sayonce.intake.live import IntakeEvent, IntakeHub, IntakeProblem
from sayonce.intake.transcript import join_turns
from sayonce.privacy.redact import redact
from sayonce.store.engine import Store
from sayonce.store.interactions import Interaction, Turn

log = logging.getLogger(__name__)
MAX_TURNS = 5_000
# The database is away or busy: keep the call and try again. Anything else is final.
_TRANSIENT = (OperationalError, InterfaceError, PoolTimeoutError)
_CALLER_KINDS = {"call": ("phone",), "chat": ("email", "social", "phone")}
_ID_KINDS = ("account", "loyalty", "external")


@dataclass(slots=True)
class LiveTurn:
    """One final utterance of a call in progress (raw text: it is redacted when stored)."""

    speaker: str
    text: str
    at: datetime | None
    offset_ms: int | None


@dataclass(slots=True)
class LiveCall:
    """A call in progress."""

    call_id: str
    channel: str
    caller: str
    to: str | None
    started_at: datetime
    customer: str | None
    agent: str | None
    turns: list[LiveTurn] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    customer_id: int | None = None  # chosen by the agent (screen pop)
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredCall:
    """A call that was written: where it went."""

    call_id: str
    interaction_id: int
    customer_id: int
    new_profile: bool
    turns: int


class CallRecorder:
    """An intake subscriber that turns finished calls into stored interactions."""

    def __init__(
        self, store: Store, *, source: str = "intake", region: str = DEFAULT_REGION
    ) -> None:
        """Store calls in ``store`` under ``source`` (their ``external_id`` is the call id)."""
        self.store = store
        self.source = source
        self.region = region
        self._lock = threading.RLock()
        self._calls: dict[str, LiveCall] = {}
        self._unsaved: list[LiveCall] = []
        self._stored_listeners: list[Callable[[StoredCall], None]] = []
        self._hub: IntakeHub | None = None

    def attach(self, hub: IntakeHub) -> Callable[[], None]:
        """Subscribe to ``hub`` (problems are reported there); return the unsubscriber."""
        self._hub = hub
        return hub.subscribe(self)

    def on_stored(self, callback: Callable[[StoredCall], None]) -> None:
        """Call ``callback(stored)`` after each call is written."""
        self._stored_listeners.append(callback)

    def active_calls(self) -> list[str]:
        """Ids of the calls in progress."""
        with self._lock:
            return list(self._calls)

    def unsaved(self) -> int:
        """Finished calls waiting to be written (the database was unavailable)."""
        with self._lock:
            return len(self._unsaved)

    def assign_customer(self, call_id: str, customer_id: int) -> bool:
        """The agent chose the customer of a call in progress (e.g. from a pick list)."""
        with self._lock:
            call = self._calls.get(call_id)
            if call is not None:
                call.customer_id = customer_id
            return call is not None

    def __call__(self, event: IntakeEvent) -> None:
        """Handle one event (the hub calls this)."""
        with self._lock:
            if isinstance(event, CallStarted):
                self._start(event)
            elif isinstance(event, Utterance):
                self._utterance(event)
            elif isinstance(event, ActionTaken):
                self._action(event)
            elif isinstance(event, CallEnded):
                self._end(event)

    def _problem(self, call_id: str, message: str) -> None:
        problem = IntakeProblem(f"call {call_id}", message)
        if self._hub is not None:
            self._hub.report(problem)
        else:
            log.warning("intake: %s", problem)

    def _start(self, event: CallStarted) -> None:
        if event.call_id in self._calls:
            self._problem(event.call_id, "started twice; the second start is ignored")
            return
        self._calls[event.call_id] = LiveCall(
            event.call_id,
            event.channel,
            event.from_,
            event.to,
            event.at,
            event.customer,
            event.agent,
        )

    def _live(self, call_id: str, what: str) -> LiveCall | None:
        call = self._calls.get(call_id)
        if call is None:
            self._problem(call_id, f"{what} for a call that is not in progress; skipped")
        return call

    def _utterance(self, event: Utterance) -> None:
        call = self._live(event.call_id, "utterance")
        if call is None or not event.final:
            return
        if len(call.turns) >= MAX_TURNS:
            self._problem(event.call_id, f"more than {MAX_TURNS} turns; the rest is not stored")
            return
        call.turns.append(LiveTurn(event.speaker, event.text, event.at, event.offset_ms))

    def _action(self, event: ActionTaken) -> None:
        call = self._live(event.call_id, "action")
        if call is not None:
            call.actions.append(event.action_id)

    def _end(self, event: CallEnded) -> None:
        call = self._calls.pop(event.call_id, None)
        if call is None:
            self._problem(event.call_id, "ended but never started here; nothing to store")
            return
        call.ended_at = max(event.at, call.started_at)
        self._unsaved.append(call)
        self.retry()

    def retry(self) -> int:
        """Write every finished call not written yet; return how many were written."""
        written = 0
        with self._lock:
            while self._unsaved:
                call = self._unsaved[0]
                try:
                    stored = self._store(call)
                except _TRANSIENT as exc:
                    self._problem(
                        call.call_id, f"not stored yet, will retry: {exc.__class__.__name__}"
                    )
                    break
                except SQLAlchemyError as exc:
                    # refused for good (bad data): retrying would block every later call
                    self._unsaved.pop(0)
                    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                    self._problem(call.call_id, f"could not be stored, dropped: {reason}")
                    continue
                self._unsaved.pop(0)
                written += 1
                if stored is not None:
                    for callback in list(self._stored_listeners):
                        callback(stored)
        return written

    # -- storing -------------------------------------------------------------------------

    def _store(self, call: LiveCall) -> StoredCall | None:
        with self.store.write() as session:
            done = session.scalar(
                select(Interaction.id).where(
                    Interaction.source == self.source, Interaction.external_id == call.call_id
                )
            )
            if done is not None:
                return None  # a replayed stream: this call is already in the history
            customer_id, created = self._customer(session, call)
            # no database keeps a NUL in text; a CTI adapter may still send one
            redacted = [(t.speaker, redact(t.text.replace("\x00", ""))) for t in call.turns]
            interaction = Interaction(
                customer_id=customer_id,
                channel=call.channel,
                direction="inbound",
                started_at=call.started_at,
                ended_at=call.ended_at,
                agent_id=AgentDirectory(session).id_for(call.agent) if call.agent else None,
                body=join_turns(redacted),
                source=self.source,
                external_id=call.call_id,
            )
            session.add(interaction)
            session.flush()
            session.add_all(
                Turn(
                    interaction_id=interaction.id,
                    seq=seq,
                    speaker=turn.speaker,
                    text=text,
                    offset_ms=turn.offset_ms,
                    at=turn.at or _at_offset(call.started_at, turn.offset_ms),
                )
                for seq, (turn, (_, text)) in enumerate(zip(call.turns, redacted, strict=True))
            )
            return StoredCall(call.call_id, interaction.id, customer_id, created, len(call.turns))

    def _customer(self, session: Session, call: LiveCall) -> tuple[int, bool]:
        resolver = Resolver(session, source=self.source)
        if call.customer_id is not None:
            return call.customer_id, False
        if call.customer:
            named = self._named(resolver, call.customer)
            if named is not None:
                return named, False
        keys = self._caller_keys(call)
        found = resolver.resolve(CustomerRef(keys=keys))
        resolver.flush()
        assert found.customer_id is not None
        return found.customer_id, found.created

    def _named(self, resolver: Resolver, customer: str) -> int | None:
        readings = probes(customer, self.region)
        ref = next((p.value for p in readings if p.kind == "ref"), None)
        keys = tuple((p.kind, p.value) for p in readings if p.kind in _ID_KINDS)
        found = resolver.resolve(CustomerRef(ref=ref, keys=keys), create=False, learn=False)
        return found.customer_id if found.error is None else None

    def _caller_keys(self, call: LiveCall) -> tuple[Key, ...]:
        kinds = _CALLER_KINDS.get(call.channel, ("phone",))
        readings = [p for p in probes(call.caller, self.region) if p.kind in kinds]
        readings.sort(key=lambda p: kinds.index(p.kind))
        return tuple((p.kind, p.value) for p in readings[:1])


def _at_offset(started: datetime, offset_ms: int | None) -> datetime | None:
    return None if offset_ms is None else started + timedelta(milliseconds=offset_ms)

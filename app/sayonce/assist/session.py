"""The live session: intake events in, an :class:`AssistUpdate` out, after every event.

One ``LiveSession`` serves one agent desktop, call after call (a ``call_started`` begins a
new call). Each final utterance is redacted first, then costs one encode call; everything
else (relevance, eligibility, ranking, guided steps) is arithmetic on cached vectors and on
the customer snapshot taken when the call started. Not meant to be shared by threads: the
desktop drives it from one worker (the methods take a lock all the same).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sayonce.assist.call_record import CallRecord, save_wrap_up
from sayonce.assist.customer_context import CustomerContext, find_customer, load_customer_context
from sayonce.assist.guided_steps import GuidedSteps
from sayonce.assist.learned_examples import LearnedExample
from sayonce.assist.learning import FeedbackStats, example_sign, weights_of
from sayonce.assist.playbook import Action, Playbook
from sayonce.assist.ranking import CallDecisions, Ranked, Ranker, top
from sayonce.assist.reasons import DismissReason, Reason
from sayonce.assist.relevance import ActionIndex, ConversationRelevance, Vector
from sayonce.assist.suggestion_log import SuggestionLog
from sayonce.assist.views import AssistUpdate, EntityView, SuggestionView
from sayonce.assist.wrap_up import DISPOSITIONS, ActionOutcome, WrapUpDraft, draft_wrap_up
from sayonce.intake.events import ActionTaken, CallEnded, CallStarted, Utterance
from sayonce.nlp.entities import extract_entities
from sayonce.nlp.sentiment import sentiment
from sayonce.privacy.redact import redact
from sayonce.store import Store, SuggestionStatus, utcnow

Event = CallStarted | Utterance | ActionTaken | CallEnded
ISSUE_AT = 0.3  # relevance at which an action's evidence counts as the issue (wrap-up)
INTENT_DECAY = 0.85  # an intent's score fades this much with each later customer turn
SENTIMENT_SMOOTHING = 0.5  # weight of the newest customer turn in the running sentiment
FEEDBACK_REFRESH_S = 900.0  # read other workstations' feedback again after this long
CONTEXT_TURNS = 6  # redacted turns kept with a suggestion for the supervisor's review
REJECTED = "rejected by a supervisor"


@dataclass(slots=True)
class _Call:
    """State of the call in progress."""

    call_id: str
    started_at: datetime
    channel: str
    context: CustomerContext
    ranker: Ranker
    flows: GuidedSteps
    log: SuggestionLog
    turns: list[tuple[str, str]] = field(default_factory=list)
    entities: dict[tuple[str, str], EntityView] = field(default_factory=dict)
    sentiment: float | None = None
    intent: str | None = None
    intent_score: float = 0.0
    intents: dict[str, float] = field(default_factory=dict)  # decayed score per intent
    done: dict[str, None] = field(default_factory=dict)  # ordered sets
    accepted: dict[str, None] = field(default_factory=dict)
    pending: dict[str, None] = field(default_factory=dict)
    in_progress: dict[str, None] = field(default_factory=dict)
    declined: dict[str, None] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # action -> why it is not suggested
    views: dict[str, SuggestionView] = field(default_factory=dict)
    leader: str | None = None
    ended_at: datetime | None = None
    wrap_up: WrapUpDraft | None = None


class LiveSession:
    """Next-best actions for the call in progress, updated event by event."""

    def __init__(
        self,
        playbook: Playbook,
        index: ActionIndex,
        *,
        store: Store | None = None,
        context: CustomerContext | None = None,
        feedback: FeedbackStats | None = None,
        clock: Callable[[], datetime] = utcnow,
        agent_id: int | None = None,
        playbook_version: int | None = None,
        top_k: int = 3,
    ) -> None:
        """``context`` overrides the customer lookup (replays, tests); ``store`` records."""
        self.playbook = playbook
        self.index = index
        self.store = store
        self.fixed_context = context
        self.feedback = feedback
        self.clock = clock
        self.agent_id = agent_id
        self.playbook_version = playbook_version
        self.top_k = top_k
        self._call: _Call | None = None
        self._lock = threading.Lock()
        # feedback given by the caller is theirs to refresh; otherwise it is read from the store
        self._feedback_loaded: float | None = None if feedback is None else math.inf

    @property
    def call(self) -> _Call | None:
        """The call in progress (``None`` before the first event)."""
        return self._call

    # --- events ----------------------------------------------------------------------------

    def handle(self, event: Event) -> AssistUpdate:
        """Apply one intake event and return the panel's new state."""
        started = time.perf_counter()
        with self._lock:
            if isinstance(event, CallStarted):
                call = self._start(event)
            else:
                call = self._current(event.call_id)
                if isinstance(event, Utterance):
                    self._hear(call, event)
                elif isinstance(event, ActionTaken):
                    self._action_taken(call, event)
                else:
                    self._end(call, event.at)
            return self._update(call, event.type, started)

    def _start(self, event: CallStarted) -> _Call:
        previous = self._call
        if previous is not None and previous.ended_at is None:  # a dropped call
            previous.log.expire(event.at, keep={*previous.in_progress, *previous.done})
        context = self.fixed_context
        if self.store is not None:
            with self.store.read() as session:
                if context is None:
                    found = find_customer(session, event.customer, event.from_)
                    context = load_customer_context(session, found, event.at) if found else None
                if self._feedback_stale():
                    # every workstation's decisions, read afresh now and then
                    self.feedback = FeedbackStats.load(session)
                    self._feedback_loaded = time.monotonic()
        return self._new_call(event.call_id, event.at, event.channel, context or CustomerContext())

    def _feedback_stale(self) -> bool:
        loaded = self._feedback_loaded
        return loaded is None or time.monotonic() - loaded > FEEDBACK_REFRESH_S

    def _new_call(
        self, call_id: str, at: datetime, channel: str, context: CustomerContext
    ) -> _Call:
        if self.feedback is None:
            self.feedback = FeedbackStats()
        self.feedback.examples.prepare(self.index.encoder)
        ranker = Ranker(ConversationRelevance(self.index), context, self.feedback, at)
        call = _Call(
            call_id=call_id,
            started_at=at,
            channel=channel,
            context=context,
            ranker=ranker,
            flows=GuidedSteps(self.index, lambda rules: call.ranker.verdict_of(rules)),
            log=SuggestionLog(
                self.store, call_id, context.customer_id, self.agent_id, self.playbook_version
            ),
        )
        self._call = call
        return call

    def link_customer(self, customer_id: int) -> AssistUpdate:
        """The agent picked the caller's profile (screen pop): rank for that customer now.

        What was said so far is kept; eligibility, contact policies and reasons switch to the
        profile's merge cluster, and suggestions recorded from now on carry its id.
        """
        started = time.perf_counter()
        with self._lock:
            call = self._require_call()
            if self.store is None:
                raise RuntimeError("no database to read the customer from")
            with self.store.read() as session:
                context = load_customer_context(session, customer_id, call.started_at)
            assert self.feedback is not None
            call.context = context
            call.ranker = Ranker(call.ranker.conversation, context, self.feedback, call.started_at)
            call.log.customer_id = context.customer_id
            return self._update(call, "link_customer", started)

    def _current(self, call_id: str) -> _Call:
        if self._call is None or self._call.call_id != call_id:
            # An utterance with no call_started (a typed-notes session): start an anonymous call.
            return self._new_call(
                call_id, self.clock(), "call", self.fixed_context or CustomerContext()
            )
        return self._call

    def _hear(self, call: _Call, event: Utterance) -> None:
        text = redact(event.text)
        turn = len(call.turns)
        call.turns.append((event.speaker, text))
        if not event.final or not text.strip():
            return  # partial transcripts are shown, not analysed
        customer = event.speaker == "customer"
        listening = self._listening(call)
        if not customer and not listening:
            return
        vector = self.index.embed(text)
        if customer:
            similarity = self.index.action_similarity(vector)
            if self.feedback is not None:
                similarity = self.feedback.examples.adjust(similarity, vector, self.index.position)
            call.ranker.conversation.add_customer_turn(turn, text, similarity, vector)
            self._update_intent(call, vector)
            score = sentiment(text)
            previous = call.sentiment
            call.sentiment = (
                score
                if previous is None
                else (SENTIMENT_SMOOTHING * score + (1 - SENTIMENT_SMOOTHING) * previous)
            )
        for entity in extract_entities(text):
            call.entities.setdefault(
                (entity.kind, entity.value), EntityView(entity.kind, entity.text, entity.value)
            )
        if not customer:
            heard = call.flows.hear(self.index.step_similarity(vector), text[:60], call.leader)
            for key in heard:
                self._progress(call, key.split("/", 1)[0])

    def _update_intent(self, call: _Call, vector: Vector) -> None:
        """The call's intent: the best-scoring intent so far, older turns fading."""
        call.intents = {k: v * INTENT_DECAY for k, v in call.intents.items()}
        match = self.index.intents.best(vector)
        if match.id is not None:
            call.intents[match.id] = max(call.intents.get(match.id, 0.0), match.score)
        if call.intents:
            call.intent, call.intent_score = max(call.intents.items(), key=lambda kv: kv[1])

    def _listening(self, call: _Call) -> bool:
        """Whether an agent's words could complete a guided step now."""
        candidates = [*call.in_progress, *([call.leader] if call.leader else [])]
        return any(self.playbook.action(a).steps for a in candidates if self._known(a))

    def _action_taken(self, call: _Call, event: ActionTaken) -> None:
        if not self._known(event.action_id):
            return
        action = self.playbook.action(event.action_id)
        if event.step_id and call.flows.mark(action.id, event.step_id, "reported by the desktop"):
            self._progress(call, action.id)
        else:
            call.done[action.id] = None
            call.in_progress.pop(action.id, None)
        if call.log.status.get(action.id) == SuggestionStatus.SHOWN.value:
            self._decide(call, action, SuggestionStatus.ACCEPTED.value)

    def _progress(self, call: _Call, action_id: str) -> None:
        call.flows.start(action_id)
        if call.flows.complete(action_id):
            call.in_progress.pop(action_id, None)
            call.done[action_id] = None
        elif action_id not in call.done:
            call.in_progress[action_id] = None

    def _end(self, call: _Call, at: datetime) -> None:
        call.ended_at = at
        call.wrap_up = self._draft(call)
        call.log.expire(at, keep={*call.in_progress, *call.done})

    # --- agent decisions -------------------------------------------------------------------

    def accept(self, action_id: str, step_id: str | None = None) -> AssistUpdate:
        """The agent takes a suggestion (a high-risk one goes to a supervisor first)."""
        started = time.perf_counter()
        with self._lock:
            call = self._require_call()
            action = self.playbook.action(action_id)
            if action.needs_approval:
                self._decide(call, action, SuggestionStatus.PENDING_APPROVAL.value)
                call.pending[action_id] = None
            else:
                self._decide(call, action, SuggestionStatus.ACCEPTED.value)
                call.accepted[action_id] = None
                if action.steps:
                    self._progress(call, action_id)
            if step_id and call.flows.mark(action_id, step_id, "reported by the desktop"):
                self._progress(call, action_id)
            return self._update(call, "accept", started)

    def dismiss(self, action_id: str, reason: DismissReason | str) -> AssistUpdate:
        """The agent dismisses a suggestion, saying why; it is not suggested again this call."""
        started = time.perf_counter()
        with self._lock:
            call = self._require_call()
            action = self.playbook.action(action_id)
            call.declined[action_id] = None
            call.in_progress.pop(action_id, None)
            self._decide(call, action, SuggestionStatus.DISMISSED.value, str(reason))
            return self._update(call, "dismiss", started)

    def awaiting_approval(self) -> dict[int, str]:
        """This call's requests waiting for a supervisor: suggestion row id -> action id."""
        with self._lock:
            call = self._call
            if call is None:
                return {}
            ids = ((call.log.ids.get(a), a) for a in call.pending)
            return {row_id: action_id for row_id, action_id in ids if row_id is not None}

    def supervisor_decided(
        self, decided: Mapping[str, tuple[str, str | None]]
    ) -> AssistUpdate | None:
        """Supervisors' answers to this call's approval requests (action -> status, note).

        An approved action goes ahead (accepted, its guided steps start); a rejected one is
        unpinned and not suggested again in this call. Returns the new state, or ``None`` when
        nothing pending was decided.
        """
        started = time.perf_counter()
        with self._lock:
            call = self._call
            if call is None:
                return None
            changed = False
            for action_id, (status, note) in decided.items():
                if action_id not in call.pending:
                    continue
                if status == SuggestionStatus.APPROVED.value:
                    del call.pending[action_id]
                    call.accepted[action_id] = None
                    if self._known(action_id) and self.playbook.action(action_id).steps:
                        self._progress(call, action_id)
                elif status == SuggestionStatus.REJECTED.value:
                    del call.pending[action_id]
                    call.in_progress.pop(action_id, None)
                    call.rejected[action_id] = REJECTED + (f": {note}" if note else "")
                else:
                    continue
                call.log.status[action_id] = status  # the supervisor's screen stored it
                changed = True
            return self._update(call, "supervisor_decision", started) if changed else None

    def record_outcome(self, action_id: str, outcome: str) -> None:
        """What came of an accepted action: ``success``, ``failure`` or ``unknown``."""
        with self._lock:
            call = self._require_call()
            call.log.outcome(action_id, outcome, self.clock())
            if self.feedback is not None:
                self.feedback.observe(
                    action_id, call.context.segment, weights_of("", None, outcome)
                )
                self._learn_example(call, action_id, example_sign("", None, outcome))

    def _decide(self, call: _Call, action: Action, status: str, reason: str | None = None) -> None:
        view = call.views.get(action.id) or _view(action, None, 0.0, ())
        call.log.decide(view, status, self.clock(), reason, self._context_text(call))
        if self.feedback is not None:
            self.feedback.observe(action.id, call.context.segment, weights_of(status, reason))
            self._learn_example(call, action.id, example_sign(status, reason))

    def _learn_example(self, call: _Call, action_id: str, positive: bool | None) -> None:
        """The customer's words behind this decision teach which conversations fit the action."""
        position = self.index.position.get(action_id)
        cue = call.ranker.conversation.cue(position) if position is not None else None
        if positive is None or cue is None or self.feedback is None:
            return
        text, vector = cue
        self.feedback.examples.add(LearnedExample(action_id, text, positive), vector)

    def _require_call(self) -> _Call:
        if self._call is None:
            raise RuntimeError("no call in progress")
        return self._call

    def _known(self, action_id: str) -> bool:
        return action_id in self.index.position

    # --- wrap-up ---------------------------------------------------------------------------

    def wrap_up(self) -> WrapUpDraft:
        """The summary and disposition to confirm (drafted now if the call is still going)."""
        with self._lock:
            call = self._require_call()
            return call.wrap_up or self._draft(call)

    def confirm_wrap_up(self, summary: str, disposition: str) -> int:
        """Store the agent's (possibly edited) summary and disposition on the call's interaction.

        One transaction: the interaction (created if the intake has not stored the call yet)
        gets the redacted summary and the disposition, and this call's suggestions are linked
        to it. Returns the interaction id.
        """
        if disposition not in DISPOSITIONS:
            raise ValueError(f"unknown disposition {disposition!r}; use one of {DISPOSITIONS}")
        with self._lock:
            call = self._require_call()
            if self.store is None:
                raise RuntimeError("no database to store the wrap-up in")
            record = CallRecord(
                call_id=call.call_id,
                channel=call.channel,
                customer_id=call.context.customer_id,
                agent_id=self.agent_id,
                started_at=call.started_at,
                ended_at=call.ended_at or self._now(call),
                turns=tuple(call.turns),
                intent=self._main_intent(call),
                sentiment=call.sentiment,
                subject=call.wrap_up.issue[:200] if call.wrap_up and call.wrap_up.issue else None,
            )
            with self.store.write() as session:
                interaction_id = save_wrap_up(session, record, redact(summary.strip()), disposition)
                call.log.link(session, interaction_id)
            return interaction_id

    def _main_action(self, call: _Call) -> str | None:
        """The first action taken in the call (what it was about, for the record)."""
        taken = [*call.done, *call.accepted, *call.pending, *call.in_progress]
        return taken[0] if taken else None

    def _main_intent(self, call: _Call) -> str | None:
        main = self._main_action(call)
        if main is None:
            return call.intent
        action = self.playbook.action(main)
        return action.intents[0] if action.intents else action.id

    def _draft(self, call: _Call) -> WrapUpDraft:
        issue = None
        taken = self._main_action(call)
        main = self.index.position.get(taken) if taken else self._top_relevant(call)
        cue = call.ranker.conversation.cue(main) if main is not None else None
        if cue is not None:
            issue = cue[0]
        return draft_wrap_up(call.turns, self._outcomes(call), issue, self._main_intent(call))

    def _outcomes(self, call: _Call) -> list[ActionOutcome]:
        states = {
            **dict.fromkeys(call.declined, "dismissed"),
            **dict.fromkeys(call.rejected, "rejected"),
            **dict.fromkeys(call.accepted, "accepted"),
            **dict.fromkeys(call.pending, "pending_approval"),
            **dict.fromkeys(call.in_progress, "in_progress"),
            **dict.fromkeys(call.done, "done"),
        }
        outcomes = []
        for action_id, state in states.items():
            action = self.playbook.action(action_id)
            steps = tuple(
                s.title for s in action.steps if call.flows.status(action_id, s.id) == "done"
            )
            outcomes.append(
                ActionOutcome(action_id, action.title, state, action.disposition, steps)
            )
        return outcomes

    # --- the update ------------------------------------------------------------------------

    def _update(self, call: _Call, event: str, started: float) -> AssistUpdate:
        ranked = call.ranker.rank(
            CallDecisions(
                done=frozenset(call.done),
                accepted=frozenset({*call.accepted, *call.in_progress, *call.pending}),
                declined=frozenset(call.declined),
                rejected=dict(call.rejected),
            )
        )
        fresh = [self._view_of(call, r) for r in top(ranked, self.top_k)]
        call.leader = fresh[0].action_id if fresh else None
        if call.ended_at is None:
            call.log.shown(fresh, self._context_text(call), self._now(call))
        pinned = self._pinned(call, ranked)
        return AssistUpdate(
            call_id=call.call_id,
            event=event,
            intent=call.intent,
            intent_score=call.intent_score,
            sentiment=call.sentiment,
            suggestions=tuple(pinned + fresh),
            steps=call.flows.views(),
            entities=tuple(call.entities.values()),
            suppressed=tuple((r.action.id, r.suppressed) for r in ranked if r.suppressed),
            customer_ref=call.context.ref,
            latency_ms=(time.perf_counter() - started) * 1000,
            wrap_up=call.wrap_up,
        )

    def _view_of(self, call: _Call, ranked: Ranked) -> SuggestionView:
        step = call.flows.next_step(ranked.action.id)
        view = _view(ranked.action, step.id if step else None, ranked.score, ranked.reasons)
        call.views[ranked.action.id] = view
        return view

    def _pinned(self, call: _Call, ranked: list[Ranked]) -> list[SuggestionView]:
        """Flows under way and actions awaiting approval stay at the top of the list."""
        by_id = {r.action.id: r for r in ranked}
        pinned = []
        for action_id in [*call.in_progress, *call.pending]:
            action = self.playbook.action(action_id)
            step = call.flows.next_step(action_id) if action_id in call.in_progress else None
            if action_id in call.pending:
                reason = Reason("awaiting a supervisor's approval", "policy")
            else:
                states = [call.flows.status(action_id, s.id) for s in action.steps]
                applicable = sum(1 for state in states if state != "skipped")
                done = states.count("done")
                reason = Reason(f"in progress: {done} of {applicable} steps done", "policy")
            score = by_id[action_id].relevance if action_id in by_id else 0.0
            view = _view(action, step.id if step else None, score, (reason,), in_progress=True)
            pinned.append(view)
        return pinned

    def _top_relevant(self, call: _Call) -> int | None:
        relevance = call.ranker.conversation.relevance
        if not len(relevance):
            return None
        position = int(relevance.argmax())
        return position if relevance[position] >= ISSUE_AT else None

    def _context_text(self, call: _Call) -> str:
        return "\n".join(f"{speaker}: {text}" for speaker, text in call.turns[-CONTEXT_TURNS:])

    def _now(self, call: _Call) -> datetime:
        now = self.clock()
        return now if now >= call.started_at else call.started_at


def _view(
    action: Action,
    step_id: str | None,
    score: float,
    reasons: tuple[Reason, ...],
    *,
    in_progress: bool = False,
) -> SuggestionView:
    step_title = next((s.title for s in action.steps if s.id == step_id), None)
    return SuggestionView(
        action_id=action.id,
        title=action.title,
        score=score,
        reasons=reasons,
        risk=action.risk,
        needs_approval=action.needs_approval,
        step_id=step_id,
        step_title=step_title,
        in_progress=in_progress,
    )

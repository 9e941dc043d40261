"""Ranking: relevance to the conversation x eligibility x value x learned feedback.

``score = relevance * (0.75 + 0.5 * value) * feedback factor * repeat-contact boost``, for
actions that are eligible and not suppressed. Suppressed actions (done, declined or rejected by
a supervisor in this call, offered too often, a personalized offer to a customer who opted out,
not eligible) are kept in the result with the reason, so a supervisor can ask "why was X not
suggested?".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sayonce.assist.customer_context import CustomerContext
from sayonce.assist.eligibility import Verdict, evaluate
from sayonce.assist.learning import FeedbackStats
from sayonce.assist.playbook import Action, Rules
from sayonce.assist.reasons import Reason
from sayonce.assist.relevance import ConversationRelevance

PROACTIVE_RELEVANCE = 0.35  # an eligible proactive action is worth this much unprompted
MIN_SCORE = 0.2  # below this a suggestion is noise
SAID_AT = 0.35  # cosine similarity from which the customer's words are worth quoting as a reason
REPEAT_WINDOW_DAYS = 7
REPEAT_BOOST = 0.15  # per earlier contact about the same thing, up to three


@dataclass(frozen=True, slots=True)
class CallDecisions:
    """What already happened to actions in this call."""

    done: frozenset[str] = frozenset()
    accepted: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()
    rejected: Mapping[str, str] = field(default_factory=dict)  # action -> why (a supervisor)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One action's score and reasons, or why it is suppressed."""

    action: Action
    score: float
    relevance: float
    reasons: tuple[Reason, ...] = ()
    suppressed: str | None = None

    @property
    def visible(self) -> bool:
        """Worth showing the agent."""
        return self.suppressed is None and self.score >= MIN_SCORE


@dataclass(slots=True)
class Ranker:
    """Ranks a playbook's actions for one call (eligibility is computed once per call)."""

    conversation: ConversationRelevance
    context: CustomerContext
    feedback: FeedbackStats
    now: datetime
    _verdicts: dict[str, Verdict] = field(default_factory=dict)

    def verdict(self, action: Action) -> Verdict:
        """Eligibility of ``action`` for this customer (cached: the context is a snapshot)."""
        found = self._verdicts.get(action.id)
        if found is None:
            found = evaluate(action.eligibility, self.context, self.now, action.topics)
            self._verdicts[action.id] = found
        return found

    def verdict_of(self, rules: Rules) -> Verdict:
        """Whether arbitrary rules (a guided step's condition) hold for this customer."""
        key = f"rules#{id(rules)}"
        found = self._verdicts.get(key)
        if found is None:
            found = evaluate(rules, self.context, self.now)
            self._verdicts[key] = found
        return found

    def proactive(self, action: Action) -> Verdict | None:
        """Why to suggest ``action`` unprompted, or ``None`` when it waits to be relevant."""
        rules = action.proactive_rules
        if rules is None:
            return None
        key = f"{action.id}#proactive"
        found = self._verdicts.get(key)
        if found is None:
            found = evaluate(rules, self.context, self.now, action.topics)
            self._verdicts[key] = found
        return found if found.ok else None

    def rank(self, decisions: CallDecisions) -> list[Ranked]:
        """Every action, best first; suppressed ones last."""
        ranked = [
            self._score(i, a, decisions) for i, a in enumerate(self.conversation.index.actions)
        ]
        ranked.sort(key=lambda r: (r.suppressed is None, r.score), reverse=True)
        return ranked

    def _score(self, position: int, action: Action, decisions: CallDecisions) -> Ranked:
        relevance = float(self.conversation.relevance[position])
        verdict = self.verdict(action)
        why_not = self._suppression(action, verdict, decisions)
        if why_not is not None:
            return Ranked(action, 0.0, relevance, verdict.reasons, why_not)
        reasons: list[Reason] = []
        evidence = self.conversation.evidence(position)
        if evidence is not None and evidence.similarity >= SAID_AT:
            said = f"customer said '{evidence.text}' ({evidence.similarity:.2f})"
            reasons.append(
                Reason(
                    said, "said", round(relevance, 2), f"turn {evidence.turn}", evidence.utterance
                )
            )
        reasons += verdict.reasons
        proactive = self.proactive(action)
        if proactive is not None:
            relevance = max(relevance, PROACTIVE_RELEVANCE)
            reasons += proactive.reasons
        boost, repeat = self._repeat_boost(action) if relevance > 0 else (1.0, None)
        if repeat is not None:
            reasons.append(repeat)
        prior, learned = self.feedback.factor(action.id, self.context.segment)
        if learned is not None:
            reasons.append(learned)
        score = relevance * (0.75 + 0.5 * action.value) * prior * boost
        return Ranked(action, round(score, 4), relevance, tuple(reasons))

    def _suppression(
        self, action: Action, verdict: Verdict, decisions: CallDecisions
    ) -> str | None:
        if action.id in decisions.done:
            return "done in this call"
        if action.id in decisions.accepted:
            return "accepted in this call"
        if action.id in decisions.rejected:
            return decisions.rejected[action.id]
        if action.id in decisions.declined:
            return "dismissed in this call"
        if action.personalized and not (
            self.context.known and self.context.personalization_allowed
        ):
            return "customer opted out of personalization"
        if not verdict.ok:
            return f"not eligible: {verdict.failed}"
        return self._over_contact_policy(action)

    def _over_contact_policy(self, action: Action) -> str | None:
        policy = action.contact_policy
        if policy is None:
            return None
        since = self.now - timedelta(days=policy.days)
        offered = sum(1 for o in self.context.offers if o.action_id == action.id and o.at >= since)
        if offered < policy.max:
            return None
        return f"offered {offered} times in {policy.days} days (limit {policy.max})"

    def _repeat_boost(self, action: Action) -> tuple[float, Reason | None]:
        if action.eligibility.recent_contacts is not None:
            return 1.0, None  # the eligibility rule already said it
        since = self.now - timedelta(days=REPEAT_WINDOW_DAYS)
        topics = set(action.topics)
        hits = [c for c in self.context.recent_contacts if c.at >= since and c.intent in topics]
        if not hits:
            return 1.0, None
        count = len(hits)
        text = f"{count} contact{'s' * (count != 1)} about this in {REPEAT_WINDOW_DAYS} days"
        evidence = "; ".join(f"{c.channel} {c.at.date().isoformat()}" for c in hits[:3])
        boost = 1.0 + REPEAT_BOOST * min(count, 3)
        return boost, Reason(text, "history", round(boost, 2), evidence)


def top(ranked: Iterable[Ranked], k: int) -> list[Ranked]:
    """The ``k`` best visible suggestions."""
    return [r for r in ranked if r.visible][:k]

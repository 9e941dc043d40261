"""Learning from feedback: a prior per action (and per action and segment) that ranking uses.

Every decision on a suggestion is evidence that the action was worth showing (positive) or
not (negative), with a weight that depends on what happened:

* accepted (or sent for approval, approved): +1; a good outcome +1, a good review +1;
* dismissed as "not relevant": -1, "not eligible" and "other": -0.5, "customer declined":
  -0.25 (the suggestion fitted, the customer said no), "already done": 0;
* a bad outcome -1, a supervisor's "bad" review -2, a rejected approval -0.5;
* shown and left alone until the call ended (expired): 0, it says little (the agent may not
  have needed it yet).

The estimate is the mean of a Beta posterior, Beta(2 + positive, 2 + negative), so an action
with no feedback sits at 0.5 and a handful of decisions cannot swing it far. A segment's
estimate is shrunk towards its action's: (K * action + positive) / (K + n), K = 5. Ranking
multiplies by the estimate over the same estimate for all actions together, clamped to
[0.7, 1.3]: an action agents take as often as the others stays at 1, one they keep
rejecting sinks, and when agents accept most of what they see nothing moves at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from sayonce.assist.learned_examples import ExampleMemory, LearnedExample
from sayonce.assist.reasons import DismissReason, Reason
from sayonce.store import Customer, Suggestion, SuggestionStatus

PRIOR_ALPHA = 2.0
PRIOR_BETA = 2.0
SEGMENT_SHRINK = 5.0
FACTOR_RANGE = (0.7, 1.3)
SHOW_REASON_AT = 0.15  # mention learning in the reasons once it moves the score this much

STATUS_WEIGHTS: dict[str, tuple[float, float]] = {
    SuggestionStatus.ACCEPTED.value: (1.0, 0.0),
    SuggestionStatus.PENDING_APPROVAL.value: (1.0, 0.0),
    SuggestionStatus.APPROVED.value: (1.0, 0.0),
    SuggestionStatus.REJECTED.value: (0.0, 0.5),
    SuggestionStatus.EXPIRED.value: (0.0, 0.0),
    SuggestionStatus.SHOWN.value: (0.0, 0.0),
}
DISMISS_WEIGHTS: dict[str, tuple[float, float]] = {
    DismissReason.NOT_RELEVANT.value: (0.0, 1.0),
    DismissReason.CUSTOMER_DECLINED.value: (0.0, 0.25),
    DismissReason.ALREADY_DONE.value: (0.0, 0.0),
    DismissReason.NOT_ELIGIBLE.value: (0.0, 0.5),
    DismissReason.OTHER.value: (0.0, 0.5),
}
OUTCOME_WEIGHTS = {"success": (1.0, 0.0), "failure": (0.0, 1.0)}
VERDICT_WEIGHTS = {"good": (1.0, 0.0), "bad": (0.0, 2.0)}
EXAMPLE_LIMIT = 1000  # newest decisions read back as learned examples (embedding them costs)
TAKEN = (
    SuggestionStatus.ACCEPTED.value,
    SuggestionStatus.PENDING_APPROVAL.value,
    SuggestionStatus.APPROVED.value,
)


@dataclass(slots=True)
class Tally:
    """Weighted positive and negative evidence, and how many decisions it came from."""

    positive: float = 0.0
    negative: float = 0.0
    decisions: int = 0

    def add(self, weights: tuple[float, float], count: int = 1) -> None:
        """Add ``count`` observations of one kind."""
        self.positive += weights[0] * count
        self.negative += weights[1] * count
        if weights != (0.0, 0.0):
            self.decisions += count


def weights_of(
    status: str, reason: str | None = None, outcome: str | None = None, verdict: str | None = None
) -> tuple[float, float]:
    """Positive and negative evidence of one suggestion's fate."""
    if status == SuggestionStatus.DISMISSED.value:
        pos, neg = DISMISS_WEIGHTS.get(reason or "", DISMISS_WEIGHTS[DismissReason.OTHER.value])
    else:
        pos, neg = STATUS_WEIGHTS.get(status, (0.0, 0.0))
    for extra in (OUTCOME_WEIGHTS.get(outcome or ""), VERDICT_WEIGHTS.get(verdict or "")):
        if extra:
            pos, neg = pos + extra[0], neg + extra[1]
    return pos, neg


def example_sign(
    status: str, reason: str | None = None, outcome: str | None = None, verdict: str | None = None
) -> bool | None:
    """Whether a decision makes its cue an example (``True``), a counter-example, or neither."""
    if verdict == "bad" or outcome == "failure":
        return False
    if status in TAKEN or verdict == "good" or outcome == "success":
        return True
    if status == SuggestionStatus.DISMISSED.value and reason == DismissReason.NOT_RELEVANT.value:
        return False
    return None


class FeedbackStats:
    """Feedback tallies per action and per (action, segment), and the ranking factor they give."""

    def __init__(self) -> None:
        """Start with no evidence: every factor is 1."""
        self.by_action: dict[str, Tally] = defaultdict(Tally)
        self.by_segment: dict[tuple[str, str], Tally] = defaultdict(Tally)
        self.overall = Tally()
        self.examples = ExampleMemory()

    def observe(
        self, action_id: str, segment: str | None, weights: tuple[float, float], count: int = 1
    ) -> None:
        """Record evidence about ``action_id`` shown to a customer in ``segment``."""
        self.by_action[action_id].add(weights, count)
        self.overall.add(weights, count)
        if segment:
            self.by_segment[(action_id, segment)].add(weights, count)

    def estimate(self, action_id: str, segment: str | None = None) -> float:
        """Posterior mean that showing ``action_id`` (to ``segment``) is worthwhile."""
        mean = _posterior_mean(self.by_action.get(action_id, Tally()))
        seg = self.by_segment.get((action_id, segment)) if segment else None
        if seg is None:
            return mean
        n = seg.positive + seg.negative
        return (SEGMENT_SHRINK * mean + seg.positive) / (SEGMENT_SHRINK + n)

    def factor(self, action_id: str, segment: str | None = None) -> tuple[float, Reason | None]:
        """Multiplier for ranking, and a reason when it matters."""
        overall = _posterior_mean(self.overall)
        estimate = self.estimate(action_id, segment)
        low, high = FACTOR_RANGE
        value = min(high, max(low, estimate / overall))
        if abs(value - 1.0) < SHOW_REASON_AT:
            return value, None
        tally = self.by_action.get(action_id, Tally())
        text = (
            f"agents found this useful before ({tally.decisions} decisions)"
            if value > 1
            else f"often dismissed by agents ({tally.decisions} decisions)"
        )
        return value, Reason(text, "learning", weight=round(value, 2))

    @classmethod
    def load(cls, session: Session, since: datetime | None = None) -> FeedbackStats:
        """Aggregate every decided suggestion in the database (one grouped query)."""
        survivor = aliased(Customer)
        segment = func.coalesce(survivor.segment, Customer.segment)
        query = (
            select(
                Suggestion.action_id,
                segment,
                Suggestion.status,
                Suggestion.decision_reason,
                Suggestion.outcome,
                Suggestion.review_verdict,
                func.count(),
            )
            .outerjoin(Customer, Customer.id == Suggestion.customer_id)
            .outerjoin(survivor, survivor.id == Customer.merged_into_id)
            .where(Suggestion.status != SuggestionStatus.SHOWN.value)
            .group_by(
                Suggestion.action_id,
                segment,
                Suggestion.status,
                Suggestion.decision_reason,
                Suggestion.outcome,
                Suggestion.review_verdict,
            )
        )
        if since is not None:
            query = query.where(Suggestion.shown_at >= since)
        stats = cls()
        for action_id, seg, status, reason, outcome, verdict, count in session.execute(query):
            stats.observe(action_id, seg, weights_of(status, reason, outcome, verdict), count)
        stats._load_examples(session, since)
        return stats

    def _load_examples(self, session: Session, since: datetime | None) -> None:
        query = (
            select(
                Suggestion.action_id,
                Suggestion.status,
                Suggestion.decision_reason,
                Suggestion.outcome,
                Suggestion.review_verdict,
                Suggestion.reasons,
            )
            .where(Suggestion.status.not_in((SuggestionStatus.SHOWN.value,)))
            .order_by(Suggestion.shown_at.desc(), Suggestion.id.desc())
            .limit(EXAMPLE_LIMIT)
        )
        if since is not None:
            query = query.where(Suggestion.shown_at >= since)
        rows = list(session.execute(query))
        for action_id, status, reason, outcome, verdict, reasons in reversed(rows):
            sign = example_sign(status, reason, outcome, verdict)
            quote = _said_quote(reasons)
            if sign is not None and quote:
                self.examples.add(LearnedExample(action_id, quote, sign))


def _posterior_mean(tally: Tally) -> float:
    alpha = PRIOR_ALPHA + tally.positive
    return alpha / (alpha + PRIOR_BETA + tally.negative)


def _said_quote(reasons_json: str | None) -> str | None:
    """The customer's words behind a stored suggestion (its ``said`` reason's quote)."""
    try:
        reasons = json.loads(reasons_json or "[]")
    except ValueError:
        return None
    for reason in reasons if isinstance(reasons, list) else []:
        if isinstance(reason, dict) and reason.get("kind") == "said" and reason.get("quote"):
            return str(reason["quote"])
    return None

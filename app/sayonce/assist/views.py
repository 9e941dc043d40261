"""What the live session hands the assist panel after each event: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sayonce.assist.guided_steps import StepView
from sayonce.assist.reasons import Reason
from sayonce.assist.wrap_up import WrapUpDraft


@dataclass(frozen=True, slots=True)
class SuggestionView:
    """One suggested action; ``step_id`` is the step to do next when it has steps."""

    action_id: str
    title: str
    score: float
    reasons: tuple[Reason, ...]
    risk: str = "low"
    needs_approval: bool = False
    step_id: str | None = None
    step_title: str | None = None
    in_progress: bool = False

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "action_id": self.action_id,
            "step_id": self.step_id,
            "title": self.title,
            "score": round(self.score, 3),
            "reasons": [r.text for r in self.reasons],
            "risk": self.risk,
            "needs_approval": self.needs_approval,
            "in_progress": self.in_progress,
        }


@dataclass(frozen=True, slots=True)
class EntityView:
    """Something specific the customer mentioned: an order number, an amount, a date…"""

    kind: str
    text: str
    value: str


@dataclass(frozen=True, slots=True)
class AssistUpdate:
    """The assist panel's whole state after one event."""

    call_id: str
    event: str
    intent: str | None
    intent_score: float
    sentiment: float | None
    suggestions: tuple[SuggestionView, ...]
    steps: tuple[StepView, ...] = ()
    entities: tuple[EntityView, ...] = ()
    suppressed: tuple[tuple[str, str], ...] = ()
    customer_ref: str | None = None
    latency_ms: float = 0.0
    wrap_up: WrapUpDraft | None = None

    def to_json(self) -> dict[str, Any]:
        """One line of ``sayonce assist --json``."""
        data: dict[str, Any] = {
            "event": self.event,
            "intent": self.intent,
            "intent_score": round(self.intent_score, 3),
            "sentiment": None if self.sentiment is None else round(self.sentiment, 3),
            "suggestions": [s.to_json() for s in self.suggestions],
            "steps": [
                {"action_id": s.action_id, "step_id": s.step_id, "status": s.status}
                for s in self.steps
            ],
            "entities": [{"kind": e.kind, "value": e.value} for e in self.entities],
            "latency_ms": round(self.latency_ms, 2),
        }
        return data

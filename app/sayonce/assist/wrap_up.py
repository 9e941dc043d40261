"""Wrap-up: a short summary and a suggested disposition, ready when the call ends.

The summary is extractive (what the customer came for, in their words; what was done; what
was promised) so it is instant and never invents anything. The disposition follows from what
happened to the actions: an escalation escalates, anything waiting for approval or left
half-way needs a follow-up, a finished action resolves the call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

RESOLVED = "resolved"
FOLLOW_UP = "follow-up needed"
ESCALATED = "escalated"
INFORMATION = "information given"
NO_ACTION = "no action needed"
DISPOSITIONS = (RESOLVED, FOLLOW_UP, ESCALATED, INFORMATION, NO_ACTION)

# Agent sentences that commit us to something later.
_PROMISE = re.compile(
    r"\b(i'll|i will|we'll|we will|you'll (?:get|receive|hear)|you will (?:get|receive|hear)|"
    r"call you back|follow up|within \d+|by (?:monday|tuesday|wednesday|thursday|friday|"
    r"tomorrow|the end of))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
MAX_QUOTE = 160


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """An action touched in the call: its title, what happened and its disposition hint."""

    action_id: str
    title: str
    state: str  # done / accepted / pending_approval / in_progress / dismissed
    disposition: str | None = None
    steps_done: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WrapUpDraft:
    """What the agent confirms or edits at hang-up."""

    summary: str
    disposition: str
    why: str
    issue: str | None = None
    promises: tuple[str, ...] = ()
    actions: tuple[ActionOutcome, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the CLI's ``wrap_up`` line."""
        return {
            "summary": self.summary,
            "disposition": self.disposition,
            "why": self.why,
            "issue": self.issue,
            "promises": list(self.promises),
            "actions": [
                {"action_id": a.action_id, "title": a.title, "state": a.state} for a in self.actions
            ],
        }


def draft_wrap_up(
    turns: Sequence[tuple[str, str]],
    actions: Sequence[ActionOutcome],
    issue: str | None,
    intent: str | None = None,
) -> WrapUpDraft:
    """Summarize a call from its redacted ``(speaker, text)`` turns and what was done."""
    issue = issue or _first_customer_statement(turns)
    promises = tuple(_promises(turns))
    disposition, why = suggest_disposition(actions, promises, intent)
    parts = []
    if issue:
        parts.append(f"Customer: {_clip(issue)}")
    done = [a for a in actions if a.state in ("done", "accepted", "in_progress")]
    if done:
        parts.append("Done: " + "; ".join(_describe(a) for a in done))
    pending = [a.title for a in actions if a.state == "pending_approval"]
    if pending:
        parts.append("Awaiting approval: " + "; ".join(pending))
    declined = [a.title for a in actions if a.state == "dismissed"]
    if declined:
        parts.append("Not done: " + "; ".join(declined))
    if promises:
        parts.append("Next: " + " ".join(promises[:2]))
    summary = ". ".join(p.rstrip(".") for p in parts) + "." if parts else "No conversation."
    return WrapUpDraft(summary, disposition, why, issue, promises, tuple(actions))


def suggest_disposition(
    actions: Sequence[ActionOutcome], promises: Sequence[str], intent: str | None = None
) -> tuple[str, str]:
    """The disposition that fits, and why."""
    taken = [a for a in actions if a.state != "dismissed"]
    for a in taken:
        if a.disposition == ESCALATED:
            return ESCALATED, f"{a.title} ({a.state})"
    pending = [a for a in taken if a.state == "pending_approval"]
    if pending:
        return FOLLOW_UP, f"{pending[0].title} awaits a supervisor's approval"
    unfinished = [a for a in taken if a.state == "in_progress"]
    if unfinished:
        return FOLLOW_UP, f"{unfinished[0].title} was left part-way"
    if promises:
        return FOLLOW_UP, f"the agent promised: {_clip(promises[0], 80)}"
    for a in taken:
        if a.disposition is not None:
            return a.disposition, f"{a.title} ({a.state})"
    if taken:
        return RESOLVED, f"{taken[0].title} ({taken[0].state})"
    if intent:
        return INFORMATION, f"the customer asked about {intent}; no action was taken"
    return NO_ACTION, "nothing was asked or done"


def _describe(action: ActionOutcome) -> str:
    if action.steps_done:
        return f"{action.title} ({', '.join(action.steps_done)})"
    return action.title


def _first_customer_statement(turns: Sequence[tuple[str, str]]) -> str | None:
    said = [text for speaker, text in turns if speaker == "customer" and len(text.split()) >= 4]
    return said[0] if said else None


def _promises(turns: Sequence[tuple[str, str]]) -> list[str]:
    found = []
    for speaker, text in turns:
        if speaker != "agent":
            continue
        found += [s.strip() for s in _SENTENCE.split(text) if _PROMISE.search(s)]
    return [_clip(p) for p in found]


def _clip(text: str, limit: int = MAX_QUOTE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"

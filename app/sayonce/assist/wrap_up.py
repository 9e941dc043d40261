"""Wrap-up: a short summary and a suggested disposition, ready when the call ends.

The conversation part of the summary is :func:`sayonce.nlp.summarize.summarize` (extractive:
the issue in the customer's words, what the agent did and promised, how it ended), so it is
instant and invents nothing; the playbook part says which actions were done, which await a
supervisor and which were turned down. The disposition follows from what happened to the
actions: an escalation escalates, anything waiting for approval or left half-way, or a
promise, needs a follow-up, a finished action resolves the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sayonce.nlp.conversation import TurnText
from sayonce.nlp.summarize import summarize

RESOLVED = "resolved"
FOLLOW_UP = "follow-up needed"
ESCALATED = "escalated"
INFORMATION = "information given"
NO_ACTION = "no action needed"
DISPOSITIONS = (RESOLVED, FOLLOW_UP, ESCALATED, INFORMATION, NO_ACTION)

MAX_QUOTE = 160
NOT_TAKEN = ("dismissed", "rejected")  # the agent or a supervisor said no


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """An action touched in the call: its title, what happened and its disposition hint."""

    action_id: str
    title: str
    state: str  # done / accepted / pending_approval / in_progress / dismissed / rejected
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
    said = summarize([TurnText(seq, speaker, text) for seq, (speaker, text) in enumerate(turns)])
    if said.issue:
        issue = " ".join(p.text for p in said.issue)
    promises = tuple(_clip(p.text) for p in said.promises)
    escalated = said.outcome_label == "escalated"
    disposition, why = suggest_disposition(actions, promises, intent, escalated=escalated)
    parts = [said.text] if said.text else []
    if issue and not said.issue:
        parts.insert(0, f"Customer: {_clip(issue)}")
    done = [a for a in actions if a.state in ("done", "accepted", "in_progress")]
    if done:
        parts.append("Done: " + "; ".join(_describe(a) for a in done) + ".")
    pending = [a.title for a in actions if a.state == "pending_approval"]
    if pending:
        parts.append("Awaiting approval: " + "; ".join(pending) + ".")
    declined = [a.title for a in actions if a.state in NOT_TAKEN]
    if declined:
        parts.append("Not done: " + "; ".join(declined) + ".")
    summary = " ".join(p.strip() for p in parts) if parts else "No conversation."
    return WrapUpDraft(summary, disposition, why, issue, promises, tuple(actions))


def suggest_disposition(
    actions: Sequence[ActionOutcome],
    promises: Sequence[str],
    intent: str | None = None,
    *,
    escalated: bool = False,
) -> tuple[str, str]:
    """The disposition that fits, and why (``escalated``: the conversation says it was)."""
    taken = [a for a in actions if a.state not in NOT_TAKEN]
    for a in taken:
        if a.disposition == ESCALATED:
            return ESCALATED, f"{a.title} ({a.state})"
    if escalated:
        return ESCALATED, "the call was handed over"
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


def _clip(text: str, limit: int = MAX_QUOTE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"

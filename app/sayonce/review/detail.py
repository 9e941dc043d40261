"""One suggestion in full: its reasons, its decision and the conversation around it.

The conversation comes from the stored call (the interaction the suggestion points at, or the
one recorded under its call id); turns are placed in time by ``Turn.at`` or by the call's start
plus ``offset_ms``. When the call was never stored, the excerpt kept with the suggestion
(``Suggestion.context``) stands in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.review.queue import ROW_COLUMNS, QueueRow, base_query, parse_reasons, to_row
from sayonce.store import Agent, Interaction, Store, Suggestion, Turn
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

TURNS_BEFORE = 8
TURNS_AFTER = 3
_SPEAKER_LINE = re.compile(r"^\s*(customer|agent|bot|system)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ConversationLine:
    """One turn near the suggestion; ``before`` is true when it was said before it was shown."""

    speaker: str
    text: str
    at: datetime | None
    before: bool


@dataclass(frozen=True, slots=True)
class SuggestionDetail:
    """Everything the detail pane shows about one suggestion."""

    row: QueueRow
    reasons: list[dict[str, Any]]
    conversation: list[ConversationLine]
    context: str | None
    decided_at: datetime | None
    decided_by: str | None  # the supervisor who approved or rejected
    approved_at: datetime | None
    outcome_at: datetime | None
    review_comment: str | None
    reviewed_by: str | None
    playbook_version: int | None
    interaction_id: int | None


def _agent_name(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    return session.scalar(
        select(func.coalesce(Agent.display_name, Agent.username)).where(Agent.id == agent_id)
    )


def _interaction_of(session: Session, suggestion: Suggestion) -> Interaction | None:
    if suggestion.interaction_id is not None:
        return session.get(Interaction, suggestion.interaction_id)
    return session.scalars(
        select(Interaction).where(Interaction.external_id == suggestion.call_id).limit(1)
    ).first()


def _turn_time(turn: Turn, started_at: datetime) -> datetime | None:
    if turn.at is not None:
        return turn.at
    if turn.offset_ms is not None:
        return started_at + timedelta(milliseconds=turn.offset_ms)
    return None


def _around(lines: list[ConversationLine]) -> list[ConversationLine]:
    said_before = [i for i, line in enumerate(lines) if line.before]
    split = said_before[-1] + 1 if said_before else 0
    return lines[max(0, split - TURNS_BEFORE) : split + TURNS_AFTER]


def _from_turns(session: Session, interaction: Interaction, shown_at: datetime) -> list[Any]:
    turns = session.scalars(
        select(Turn).where(Turn.interaction_id == interaction.id).order_by(Turn.seq)
    ).all()
    lines = []
    for turn in turns:
        at = _turn_time(turn, interaction.started_at)
        lines.append(ConversationLine(turn.speaker, turn.text, at, at is None or at <= shown_at))
    return _around(lines)


def _from_context(context: str | None) -> list[ConversationLine]:
    lines = []
    for raw in (context or "").splitlines():
        match = _SPEAKER_LINE.match(raw)
        if match:
            lines.append(ConversationLine(match[1].lower(), match[2].strip(), None, True))
        elif raw.strip():
            lines.append(ConversationLine("customer", raw.strip(), None, True))
    return lines[-TURNS_BEFORE:]


def read_detail(session: Session, suggestion_id: int) -> SuggestionDetail | None:
    """The detail of one suggestion inside an open session (callers check permissions)."""
    values = session.execute(base_query(*ROW_COLUMNS).where(Suggestion.id == suggestion_id)).first()
    suggestion = session.get(Suggestion, suggestion_id)
    if values is None or suggestion is None:
        return None
    interaction = _interaction_of(session, suggestion)
    conversation = (
        _from_turns(session, interaction, suggestion.shown_at) if interaction is not None else []
    )
    return SuggestionDetail(
        row=to_row(values),
        reasons=parse_reasons(suggestion.reasons),
        conversation=conversation or _from_context(suggestion.context),
        context=suggestion.context,
        decided_at=suggestion.decided_at,
        decided_by=_agent_name(session, suggestion.approved_by),
        approved_at=suggestion.approved_at,
        outcome_at=suggestion.outcome_at,
        review_comment=suggestion.review_comment,
        reviewed_by=_agent_name(session, suggestion.reviewed_by),
        playbook_version=suggestion.playbook_version,
        interaction_id=interaction.id if interaction is not None else None,
    )


def detail(store: Store, principal: Principal, suggestion_id: int) -> SuggestionDetail | None:
    """One suggestion with its reasons and the conversation around it, or ``None``."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        return read_detail(session, suggestion_id)

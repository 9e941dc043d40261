"""What the customer already told us, each fact with the sentence and turn it comes from.

Problems, order numbers, what they already tried, what our agents promised, preferences.

Rules only (no model): the demo generator and the importers run this on every interaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sayonce.nlp import cues
from sayonce.nlp.conversation import AGENT, CUSTOMER, Sentence, TurnText, as_turns, sentences
from sayonce.nlp.dates import DATE, resolve_date
from sayonce.nlp.entities import order_numbers
from sayonce.nlp.issue import issue_sentences
from sayonce.nlp.transcripts import interaction_turns
from sayonce.privacy.redact import redact
from sayonce.store import Fact, Interaction, Turn

_OURS = (AGENT, "bot")
_CHANNEL = re.compile(r"\b(email|e-mail|text|sms|phone|call|post|letter)\b", re.IGNORECASE)
_BY_CHANNEL = re.compile(
    r"\b(?:by|via|only|on|through)\s+(email|e-mail|text|sms|phone|post|letter)\b", re.I
)
_NEGATED = re.compile(r"\b(?:don't|do not|never|no)\b", re.IGNORECASE)
_CHANNEL_NAMES = {"e-mail": "email", "sms": "text", "call": "phone", "letter": "post"}


@dataclass(frozen=True, slots=True)
class FactDraft:
    """A fact before it is stored: kind, the sentence, a value, and where it was said."""

    kind: str  # problem | order_number | tried | promise | preference
    text: str
    value: str | None
    turn_seq: int
    start: int
    end: int


def _draft(kind: str, sentence: Sentence, value: str | None = None) -> FactDraft:
    return FactDraft(kind, sentence.text[:1000], value, sentence.turn, sentence.start, sentence.end)


def _problems(said: list[Sentence]) -> list[FactDraft]:
    return [_draft("problem", s) for s in issue_sentences(said, fallback=False)]


def _orders(said: list[Sentence]) -> list[FactDraft]:
    seen: set[str] = set()
    out = []
    for sentence in said:
        for entity in order_numbers(sentence.text):
            if entity.value not in seen:
                seen.add(entity.value)
                out.append(_draft("order_number", sentence, entity.value))
    return out


def _due(sentence: Sentence, at: datetime | None) -> str | None:
    # The last date named is usually the deadline ("approved today ... within 5 days").
    mentions = [m.group() for m in DATE.finditer(sentence.text)]
    return resolve_date(mentions[-1], at)[:200] if mentions else None


def _preference(sentence: Sentence) -> str | None:
    """The channel asked for ("email"), or the one refused ("no phone")."""
    wanted = _BY_CHANNEL.search(sentence.text)
    if wanted:
        return _channel(wanted.group(1))
    named = _CHANNEL.search(sentence.text)
    if not named:
        return None
    refused = _NEGATED.search(sentence.text[: named.start()])
    return f"no {_channel(named.group(1))}" if refused else _channel(named.group(1))


def _channel(word: str) -> str:
    return _CHANNEL_NAMES.get(word.lower(), word.lower())


def extract_facts(
    source: str | Sequence[TurnText], speaker: str = CUSTOMER, at: datetime | None = None
) -> list[FactDraft]:
    """Facts in a conversation (turns) or one text said by ``speaker``; text is redacted."""
    turns = [TurnText(t.seq, t.speaker, redact(t.text)) for t in as_turns(source, speaker)]
    said = sentences(turns)
    facts = _problems(said) + _orders(said)
    for sentence in said:
        if sentence.speaker == CUSTOMER and cues.is_tried(sentence.text):
            facts.append(_draft("tried", sentence))
        if sentence.speaker == CUSTOMER and cues.is_preference(sentence.text):
            facts.append(_draft("preference", sentence, _preference(sentence)))
        if sentence.speaker in _OURS and cues.is_open_promise(sentence.text):
            facts.append(_draft("promise", sentence, _due(sentence, at)))
    return sorted(facts, key=lambda f: (f.turn_seq, f.start, f.kind))


def store_facts(session: Session, interaction_id: int) -> int:
    """Replace the interaction's facts with freshly extracted ones; return how many.

    Facts an agent marked resolved stay resolved when the same sentence is extracted again.
    """
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise KeyError(f"no interaction {interaction_id}")
    resolved = set(
        session.execute(
            select(Fact.kind, Fact.turn_seq, Fact.text).where(
                Fact.interaction_id == interaction_id, Fact.resolved.is_(True)
            )
        ).all()
    )
    session.execute(delete(Fact).where(Fact.interaction_id == interaction_id))
    drafts = extract_facts(interaction_turns(session, interaction), at=interaction.started_at)
    turn_times = dict(
        session.execute(
            select(Turn.seq, Turn.at).where(Turn.interaction_id == interaction_id)
        ).all()
    )
    for draft in drafts:
        session.add(
            Fact(
                customer_id=interaction.customer_id,
                interaction_id=interaction_id,
                turn_seq=draft.turn_seq,
                kind=draft.kind,
                text=draft.text,
                value=draft.value,
                at=turn_times.get(draft.turn_seq) or interaction.started_at,
                resolved=(draft.kind, draft.turn_seq, draft.text) in resolved,
            )
        )
    session.flush()
    return len(drafts)

"""Extractive, structured summary of one conversation: fast, and every point has a source.

Sentences are classified with the cue phrases of :mod:`sayonce.nlp.cues`; the issue is the
customer's strongest problem statement, actions are what the agent says was done, promises
and next steps are commitments about later, the outcome is how the conversation ended.
No model is needed (about a millisecond per turn); an abstractive line is added when a local
seq2seq model is configured (:mod:`sayonce.nlp.abstractive`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sayonce.nlp import cues
from sayonce.nlp.conversation import AGENT, CUSTOMER, Sentence, TurnText, as_turns, sentences
from sayonce.nlp.entities import extract_entities
from sayonce.nlp.issue import issue_sentences
from sayonce.nlp.sentiment import mood
from sayonce.nlp.summary import InteractionSummaryData, Mention, MoodData, Point
from sayonce.privacy.redact import redact

MAX_ACTIONS = 3
MAX_PROMISES = 3
ENTITY_KINDS = ("order", "amount", "date", "product", "card_last4", "tracking", "case")
_OURS = (AGENT, "bot")


def _point(sentence: Sentence) -> Point:
    return Point(sentence.text, sentence.turn, sentence.start, sentence.end, sentence.speaker)


# "I've escalated it, and the refund will arrive within 5 days": an action and a promise.
_CLAUSE = re.compile(r",?\s+(?:and|so)\s+(?=(?:i|we|you|it|the|they|your|a|our)\b)|;\s+", re.I)


def clauses(sentence: Sentence) -> list[Sentence]:
    """The sentence cut at ", and I/we/you/it ..." and semicolons (spans stay exact)."""
    pieces, start = [], 0
    for match in _CLAUSE.finditer(sentence.text):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(sentence.text)))
    if len(pieces) == 1:
        return [sentence]
    return [
        replace(
            sentence,
            start=sentence.start + a,
            end=sentence.start + b,
            text=sentence.text[a:b],
        )
        for a, b in pieces
        if sentence.text[a:b].strip()
    ]


def _ours(said: list[Sentence]) -> list[Sentence]:
    return [s for s in said if s.speaker in _OURS] or (
        said if all(s.speaker == AGENT for s in said) else []
    )


def _pick(sentences_: list[Sentence], test: Callable[[str], bool], limit: int) -> list[Point]:
    chosen = [s for s in sentences_ if test(s.text)]
    return [_point(s) for s in chosen[-limit:]]


def _outcome(said: list[Sentence], promises: list[Point]) -> tuple[Point | None, str]:
    tail = said[-max(3, len(said) // 3) :]
    signals = [(cues.outcome_signal(s.text), s) for s in tail]
    signals = [(label, s) for label, s in signals if label]
    meaningful = [s for _, s in signals if len(s.text.split()) >= 4]
    chosen = _point(meaningful[-1]) if meaningful else None
    return chosen, _outcome_label(said, promises, [label for label, _ in signals])


def _outcome_label(said: list[Sentence], promises: list[Point], signals: list[str | None]) -> str:
    ours = [s for s in said if s.speaker in _OURS]
    if any(cues.ESCALATED.search(s.text) for s in ours):
        return "escalated"
    if not ours:  # a customer's email or post: waiting on us, unless they are clearly upset
        upset = mood([s.text for s in said]).end <= -0.3
        return "unresolved" if upset or "unresolved" in signals else "pending"
    if "unresolved" in signals:
        return "unresolved"
    if any(cues.is_open_promise(p.text) for p in promises):
        return "pending"
    if "resolved" in signals or any(cues.is_action(s.text) for s in ours):
        return "resolved"
    return "unknown"


def _mentions(said: list[Sentence], at: datetime | None) -> list[Mention]:
    seen: set[tuple[str, str]] = set()
    out = []
    for sentence in said:
        for entity in extract_entities(sentence.text, at):
            key = (entity.kind, entity.value.lower())
            if key in seen or entity.kind not in ENTITY_KINDS or _shorter_name(key, seen):
                continue
            seen.add(key)
            start = sentence.start + entity.start
            out.append(
                Mention(
                    entity.kind,
                    entity.value,
                    entity.text,
                    sentence.turn,
                    start,
                    start + len(entity.text),
                )
            )
    return out


def _shorter_name(key: tuple[str, str], seen: set[tuple[str, str]]) -> bool:
    """A product already named in full ("Wi-Fi router" before "router")."""
    kind, value = key
    return kind == "product" and any(k == kind and value in v for k, v in seen)


# "Hi, my order ..." reads as "My order ..." in a one-paragraph summary.
_GREETING = re.compile(r"^(?:(?:hi|hello|hey|yes|ok|okay|so|sure)(?: there)?[,!.]?\s+)+", re.I)


def compose(summary: InteractionSummaryData) -> str:
    """The summary as one paragraph: issue, then actions, promises, outcome (no repeats)."""
    parts: list[str] = []
    points = [*summary.issue, *summary.actions, *summary.promises]
    if summary.outcome:
        points.append(summary.outcome)
    for point in points:
        text = _GREETING.sub("", point.text.strip())
        text = text[:1].upper() + text[1:] if text else text
        if text and text not in parts:
            parts.append(text if text[-1] in ".!?" else text + ".")
    return " ".join(parts)


def summarize(
    source: str | Sequence[TurnText],
    at: datetime | None = None,
    speaker: str = CUSTOMER,
) -> InteractionSummaryData:
    """Structured summary of turns (or of one text said by ``speaker``), redacted first.

    ``at`` is when it happened, so "last Friday" becomes a date.
    """
    turns = [TurnText(t.seq, t.speaker, redact(t.text)) for t in as_turns(source, speaker)]
    said = sentences(turns)
    ours = [clause for sentence in _ours(said) for clause in clauses(sentence)]
    promises = _pick(ours, cues.is_promise, MAX_PROMISES)
    promise_keys = {(p.turn, p.start) for p in promises}
    actions = [
        p
        for p in _pick(ours, cues.is_action, MAX_ACTIONS + 2)
        if (p.turn, p.start) not in promise_keys
    ][-MAX_ACTIONS:]
    next_steps = [
        p for p in _pick(ours, cues.is_next_step, 2) if (p.turn, p.start) not in promise_keys
    ]
    outcome, outcome_label = _outcome(said, promises)
    feeling = mood([s.text for s in said if s.speaker == CUSTOMER])
    summary = InteractionSummaryData(
        issue=[_point(s) for s in issue_sentences(said)],
        actions=actions,
        outcome=outcome,
        outcome_label=outcome_label,
        promises=promises,
        next_steps=next_steps,
        sentiment=MoodData(feeling.score, feeling.label, feeling.start, feeling.end, feeling.trend),
        entities=_mentions(said, at),
    )
    summary.text = compose(summary)
    return summary


def lead(source: str | Sequence[TurnText], n: int = 3) -> str:
    """The first ``n`` sentences: the Lead-N baseline the evaluation compares against."""
    turns = [TurnText(t.seq, t.speaker, redact(t.text)) for t in as_turns(source)]
    return " ".join(s.text for s in sentences(turns)[:n])

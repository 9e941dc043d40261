"""Turns and sentences: the units every NLP result points back to.

A conversation is a list of :class:`TurnText` (calls and chats) or one block of text (email,
SMS, a note), which becomes a single turn. Sentences keep their turn and character span, so
a summary point or a fact can always show where it was said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CUSTOMER = "customer"
AGENT = "agent"

# "Agent: ..." lines in a stored body (the joined turns of a call or chat).
_SPEAKER_LINE = re.compile(r"^\s*(customer|agent|bot|system|caller|rep)\s*:\s*(.*)$", re.I)
_ALIASES = {"caller": CUSTOMER, "rep": AGENT}
# A sentence ends at . ! ? (plus closing quotes) before a space and a capital, digit or quote,
# or at a line break; common abbreviations do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])|\n+")
_ABBREVIATIONS = (
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "st.",
    "no.",
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "approx.",
)


@dataclass(frozen=True, slots=True)
class TurnText:
    """One turn: its sequence number in the conversation, who spoke, and the redacted text."""

    seq: int
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a turn; ``start``/``end`` are character offsets in that turn's text."""

    index: int
    turn: int
    speaker: str
    start: int
    end: int
    text: str


def as_turns(source: str | Sequence[TurnText], speaker: str = CUSTOMER) -> list[TurnText]:
    """Turns as given, or parsed from text (``Agent: ...`` lines, or one turn of ``speaker``)."""
    if not isinstance(source, str):
        return list(source)
    lines = [line for line in source.splitlines() if line.strip()]
    parsed = [_SPEAKER_LINE.match(line) for line in lines]
    if lines and all(parsed):
        return [
            TurnText(seq, _ALIASES.get(m.group(1).lower(), m.group(1).lower()), m.group(2))
            for seq, m in enumerate(m for m in parsed if m)
        ]
    return [TurnText(0, speaker, source)] if source.strip() else []


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, trimmed of surrounding space."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if text[start : match.start()].lower().endswith(_ABBREVIATIONS):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(turns: Iterable[TurnText]) -> list[Sentence]:
    """Every sentence of every turn, numbered in conversation order."""
    out: list[Sentence] = []
    for turn in turns:
        for start, end in split_sentences(turn.text):
            out.append(Sentence(len(out), turn.seq, turn.speaker, start, end, turn.text[start:end]))
    return out

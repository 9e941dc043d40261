"""Runs of digits, written or spoken ("four one one one", "double five", "oh" for zero).

Transcripts spell numbers out, so card and phone detection works on *runs*: digit groups and
digit words separated only by spaces or one punctuation mark. Each group keeps its place in
the original text so a finding can be mapped back to characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
REPEATS = {"double": 2, "triple": 3}

_WORDS = "|".join(sorted(WORD_DIGITS, key=len, reverse=True))
_TOKEN = re.compile(
    rf"(?P<num>\d+)|\b(?:(?P<rep>double|triple)[\s-]+)?(?P<word>{_WORDS})\b",
    re.IGNORECASE,
)
# Between two groups of one number: spaces, or one of , . - / with optional spaces around it.
_GAP = re.compile(r"[ \t]{1,3}|[ \t]{0,2}[,.\-/][ \t]{0,2}")
HAS_SPOKEN = re.compile(rf"\b(?:{_WORDS})\b", re.IGNORECASE)
_SPOKEN = re.compile(rf"\b(?:(double|triple)[\s-]+)?(?:{_WORDS})\b", re.IGNORECASE)
MIN_SPOKEN_DIGITS = 3  # fewer spoken digits than this are words ("one", "oh"), not a number


_LETTERS = re.compile(r"[a-z]+")
_DIGIT_WORDS = frozenset(WORD_DIGITS)


def spoken_digits(text: str) -> int:
    """How many digits the spoken digit words of ``text`` say ("double five" says two)."""
    # Most text has no digit word at all: a set test on its words settles that cheaply.
    if _DIGIT_WORDS.isdisjoint(_LETTERS.findall(text.casefold())):
        return 0
    return sum(REPEATS.get(rep.lower(), 1) for rep in _SPOKEN.findall(text))


@dataclass(frozen=True, slots=True)
class DigitGroup:
    """One written group (``4111``) or one spoken word (``four``, ``double five``)."""

    digits: str
    start: int
    end: int
    spoken: bool


def _group(match: re.Match[str], text: str) -> DigitGroup | None:
    start, end = match.span()
    if match.group("num") is not None:
        # Digits glued to letters belong to an id (A10424, 1Z999AA1...), not to a number.
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isalpha() or after.isalpha():
            return None
        return DigitGroup(match.group("num"), start, end, spoken=False)
    digit = WORD_DIGITS[match.group("word").lower()]
    times = REPEATS[match.group("rep").lower()] if match.group("rep") else 1
    return DigitGroup(digit * times, start, end, spoken=True)


def digit_runs(text: str) -> list[list[DigitGroup]]:
    """Every maximal run of digit groups in ``text``, in order."""
    runs: list[list[DigitGroup]] = []
    current: list[DigitGroup] = []
    for match in _TOKEN.finditer(text):
        group = _group(match, text)
        if group is None:
            continue
        if current and not _GAP.fullmatch(text, current[-1].end, group.start):
            runs.append(current)
            current = []
        current.append(group)
    if current:
        runs.append(current)
    trimmed = (_trim(run, text) for run in runs)
    return [run for run in trimmed if run and _has_digits(run)]


def _has_digits(run: list[DigitGroup]) -> bool:
    # A lone "one" or "oh" in conversation is a word, not a number.
    return any(not g.spoken for g in run) or sum(len(g.digits) for g in run) >= MIN_SPOKEN_DIGITS


def _trim(run: list[DigitGroup], text: str) -> list[DigitGroup]:
    # "Oh, four one ..." opens many sentences: a leading "oh" before a pause is not a zero.
    while len(run) > 1 and text[run[0].start : run[0].end].lower() in ("oh", "o"):
        if not any(c in ",.;:!?" for c in text[run[0].end : run[1].start]):
            break
        run = run[1:]
    return run


def windows(run: list[DigitGroup], low: int, high: int) -> list[tuple[int, int, str]]:
    """Every (first, last, digits) of consecutive groups holding ``low``..``high`` digits."""
    found = []
    for first in range(len(run)):
        digits = ""
        for last in range(first, len(run)):
            digits += run[last].digits
            if len(digits) > high:
                break
            if len(digits) >= low:
                found.append((first, last, digits))
    return found

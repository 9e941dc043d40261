"""Dates as people say them: "03/15", "March 15th", "last Friday", "within 5 business days".

:func:`resolve_date` turns a mention into an ISO date when it knows when it was said;
otherwise it returns the mention, normalized.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
NUMBER_WORDS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "a few": 3, "a couple of": 2}

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_COUNT = r"(?:\d{1,3}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"
    r"|(?<![\d/])\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?(?![\d/])"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}}\b)?"
    r"|\b(?:today|tonight|yesterday|tomorrow|this (?:morning|afternoon|evening))\b"
    rf"|\b(?:(?:last|next|this|coming)\s+)?{_DAY}\b"
    r"|\b(?:last|next|this)\s+(?:week|weekend|month|year)\b"
    rf"|\b{_COUNT}\s+(?:business\s+|working\s+)?(?:days?|weeks?|months?)\s+ago\b"
    rf"|\b(?:in|within)\s+{_COUNT}(?:\s+to\s+{_COUNT})?\s+(?:business\s+|working\s+)?"
    r"(?:days?|weeks?)\b",
    re.IGNORECASE,
)


def resolve_date(mention: str, reference: datetime | date | None, past: bool = False) -> str:
    """ISO date (``2024-03-15``) for ``mention`` said at ``reference``, else the mention.

    ``past`` says the sentence is in the past tense: a bare "Tuesday" is then the last one.
    """
    text = " ".join(mention.lower().split())
    today = reference.date() if isinstance(reference, datetime) else reference
    resolved = _absolute(text, today)
    if resolved is None and today is not None:
        resolved = _relative(text, today, past)
    return resolved.isoformat() if resolved else text


def _absolute(text: str, today: date | None) -> date | None:
    year = today.year if today else None
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", text):
        given = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else year
        return _safe(given, int(m[1]), int(m[2])) if given else None
    words = re.findall(r"[a-z]+|\d+", text)
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    if month and numbers:
        day_of_month = numbers[0] if numbers[0] <= 31 else None
        given = next((n for n in numbers if n > 31), year)
        return _safe(given, month, day_of_month) if given and day_of_month else None
    return None


def _safe(year: int | None, month: int, day: int | None) -> date | None:
    try:
        return date(year, month, day) if year and day else None
    except ValueError:
        return None


def _relative(text: str, today: date, past: bool = False) -> date | None:
    simple = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
    if text in simple:
        return today + timedelta(days=simple[text])
    if text.startswith("this ") and text.split()[1] in ("morning", "afternoon", "evening"):
        return today
    for index, name in enumerate(WEEKDAYS):
        if text.endswith(name):
            word = text.split()[0]
            return _weekday(today, index, "last" if past and word == name else word)
    if m := re.fullmatch(r"(last|next|this) (week|weekend|month|year)", text):
        step = {"last": -1, "next": 1, "this": 0}[m[1]]
        days = {"week": 7, "weekend": 7, "month": 30, "year": 365}[m[2]]
        return today + timedelta(days=step * days)
    return _count(text, today)


def _weekday(today: date, weekday: int, word: str) -> date:
    ahead = (weekday - today.weekday()) % 7
    if word == "last":
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if word == "this":
        return today + timedelta(days=ahead)
    # "next Friday", "Friday", "coming Friday": the next one after today (a promise's date).
    return today + timedelta(days=ahead or 7)


def _count(text: str, today: date) -> date | None:
    m = re.search(
        rf"({_COUNT})(?:\s+to\s+({_COUNT}))?\s+(business |working )?(day|week|month)", text
    )
    if m is None:
        return None
    n = _number(m[2] or m[1])
    unit = {"day": 1, "week": 7, "month": 30}[m[4]]
    sign = -1 if text.endswith("ago") else 1
    if m[3] and unit == 1:
        return _add_business_days(today, sign * n)
    return today + timedelta(days=sign * n * unit)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def _add_business_days(start: date, days: int) -> date:
    step = 1 if days >= 0 else -1
    current, left = start, abs(days)
    while left:
        current += timedelta(days=step)
        if current.weekday() < 5:
            left -= 1
    return current

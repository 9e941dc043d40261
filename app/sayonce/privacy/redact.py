"""Redact PII from text before it is stored, embedded, summarized, logged or exported.

``redact(text)`` replaces each finding with a placeholder (``[CARD]``, ``[SSN]``,
``[ACCOUNT]``, ``[EMAIL]``, ``[PHONE]``, ``[ADDRESS]``); ``redact_spans(text)`` says where
they were, for evidence. Which kinds are redacted comes from :class:`RedactionPolicy`
(``SAYONCE_REDACT``); card numbers always are.
"""

from __future__ import annotations

import functools
import re

from sayonce.privacy.detectors import FINDERS
from sayonce.privacy.digit_runs import MIN_SPOKEN_DIGITS, digit_runs, spoken_digits
from sayonce.privacy.pii import PRIORITY, PiiKind, RedactionPolicy, Span

__all__ = ["PiiKind", "RedactionPolicy", "Span", "default_policy", "redact", "redact_spans"]

# Every finder needs a written digit, an "@", three spoken digits or a spoken "at ... dot":
# most text has none, and redaction runs on every turn of every import.
_WRITTEN = re.compile(r"\d|@")
_SPOKEN_EMAIL_HINT = re.compile(r"\bat\b.*\bdot\b", re.IGNORECASE | re.DOTALL)


@functools.cache
def default_policy() -> RedactionPolicy:
    """The process's policy, read once from ``SAYONCE_REDACT``."""
    return RedactionPolicy.from_env()


def redact_spans(text: str, policy: RedactionPolicy | None = None) -> list[Span]:
    """Non-overlapping PII findings in ``text``, in order of position."""
    if not text:
        return []
    if _WRITTEN.search(text) is not None or spoken_digits(text) >= MIN_SPOKEN_DIGITS:
        runs = digit_runs(text)
    elif _SPOKEN_EMAIL_HINT.search(text) is not None:
        runs = []
    else:
        return []
    policy = policy or default_policy()
    found: list[Span] = []
    for kind, finder in FINDERS.items():
        if kind not in policy.kinds:
            continue
        if kind is PiiKind.PHONE and found:
            # A phone never wins over a card, SSN, account or email (see PRIORITY): look for
            # phones only in what they left, so "my card is 4111 ..." is not parsed as a phone.
            found += finder(_blanked(text, found), runs, policy)
        else:
            found += finder(text, runs, policy)
    return _without_overlaps(found)


def _blanked(text: str, spans: list[Span]) -> str:
    """``text`` with ``spans`` overwritten by spaces (positions unchanged)."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def _without_overlaps(spans: list[Span]) -> list[Span]:
    # The more sensitive kind wins, then the longer span.
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-PRIORITY[s.kind], s.start - s.end, s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def redact(text: str, policy: RedactionPolicy | None = None) -> str:
    """``text`` with every PII finding replaced by its placeholder."""
    spans = redact_spans(text, policy)
    if not spans:
        return text
    parts = []
    position = 0
    for span in spans:
        parts += [text[position : span.start], span.placeholder]
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def contains_pii(text: str, policy: RedactionPolicy | None = None) -> bool:
    """Whether ``text`` has anything the policy would redact."""
    return bool(redact_spans(text, policy))


def kinds_found(text: str, policy: RedactionPolicy | None = None) -> set[PiiKind]:
    """The kinds of PII in ``text``."""
    return {span.kind for span in redact_spans(text, policy)}

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
from sayonce.privacy.digit_runs import HAS_SPOKEN, digit_runs
from sayonce.privacy.pii import PRIORITY, PiiKind, RedactionPolicy, Span

__all__ = ["PiiKind", "RedactionPolicy", "Span", "default_policy", "redact", "redact_spans"]

# Every finder needs a digit, an "@", a spoken digit or a spoken " at ": most text has none.
_MAYBE_PII = re.compile(r"\d|@|\bat\b")


@functools.cache
def default_policy() -> RedactionPolicy:
    """The process's policy, read once from ``SAYONCE_REDACT``."""
    return RedactionPolicy.from_env()


def redact_spans(text: str, policy: RedactionPolicy | None = None) -> list[Span]:
    """Non-overlapping PII findings in ``text``, in order of position."""
    if not text or not (_MAYBE_PII.search(text) or HAS_SPOKEN.search(text)):
        return []
    policy = policy or default_policy()
    runs = digit_runs(text)
    found = [
        span
        for kind, finder in FINDERS.items()
        if kind in policy.kinds
        for span in finder(text, runs, policy)
    ]
    return _without_overlaps(found)


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

"""Sentiment with VADER: offline, rule- and lexicon-based, tuned for conversational text."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# VADER's customary cut-offs for its compound score.
POSITIVE = 0.05
NEGATIVE = -0.05

_lock = threading.Lock()
_analyzer: Any = None


def _vader() -> Any:
    global _analyzer
    with _lock:
        if _analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            _analyzer = SentimentIntensityAnalyzer()
        return _analyzer


def sentiment(text: str) -> float:
    """Compound valence of ``text`` in [-1, 1] (0 for empty text)."""
    if not text.strip():
        return 0.0
    return float(_vader().polarity_scores(text)["compound"])


def label(score: float) -> str:
    """``positive``, ``neutral`` or ``negative``."""
    if score >= POSITIVE:
        return "positive"
    if score <= NEGATIVE:
        return "negative"
    return "neutral"


@dataclass(frozen=True, slots=True)
class Mood:
    """A conversation's sentiment: overall, at the start and at the end, with labels."""

    score: float
    label: str
    start: float
    end: float

    @property
    def trend(self) -> str:
        """``improved``, ``worsened`` or ``steady`` from the first to the last third."""
        change = self.end - self.start
        if change > 0.2:
            return "improved"
        if change < -0.2:
            return "worsened"
        return "steady"


def mood(texts: Sequence[str]) -> Mood:
    """Sentiment over a speaker's sentences: the mean, and the first and last thirds."""
    scores = [sentiment(t) for t in texts if t.strip()]
    if not scores:
        return Mood(0.0, "neutral", 0.0, 0.0)
    third = max(1, len(scores) // 3)
    overall = sum(scores) / len(scores)
    start = sum(scores[:third]) / third
    end = sum(scores[-third:]) / third
    return Mood(round(overall, 3), label(overall), round(start, 3), round(end, 3))

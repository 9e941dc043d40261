"""The structured summary of one interaction, as plain JSON-serialisable dataclasses."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# Bump when the extractive rules change: cached summaries of an older version are recomputed.
EXTRACTIVE_VERSION = "extractive-5"


@dataclass(frozen=True, slots=True)
class Point:
    """A sentence used in a summary, and where it was said (turn and character span)."""

    text: str
    turn: int
    start: int
    end: int
    speaker: str


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mentioned in the conversation, linked to its turn and span."""

    kind: str
    value: str
    text: str
    turn: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MoodData:
    """The customer's sentiment: overall, first and last third, and the trend."""

    score: float
    label: str
    start: float
    end: float
    trend: str


@dataclass(slots=True)
class InteractionSummaryData:
    """Issue, actions, outcome, promises and next steps, sentiment and entities.

    Every point links to the sentence it comes from. ``text`` is the summary as one short
    paragraph; ``abstract`` is filled when a local seq2seq summarizer is configured.
    """

    issue: list[Point] = field(default_factory=list)
    actions: list[Point] = field(default_factory=list)
    outcome: Point | None = None
    outcome_label: str = "unknown"  # resolved | escalated | pending | unresolved | unknown
    promises: list[Point] = field(default_factory=list)
    next_steps: list[Point] = field(default_factory=list)
    sentiment: MoodData = field(
        default_factory=lambda: MoodData(0.0, "neutral", 0.0, 0.0, "steady")
    )
    entities: list[Mention] = field(default_factory=list)
    text: str = ""
    abstract: str | None = None
    model: str = EXTRACTIVE_VERSION
    interaction_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return asdict(self)

    def to_json(self) -> str:
        """Compact JSON for the cache table."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InteractionSummaryData:
        """Inverse of :meth:`to_dict`."""
        points = {k: [Point(**p) for p in data.get(k, [])] for k in ("issue", "actions")}
        points |= {k: [Point(**p) for p in data.get(k, [])] for k in ("promises", "next_steps")}
        outcome = data.get("outcome")
        return cls(
            **points,
            outcome=Point(**outcome) if outcome else None,
            outcome_label=data.get("outcome_label", "unknown"),
            sentiment=MoodData(**data["sentiment"])
            if data.get("sentiment")
            else MoodData(0.0, "neutral", 0.0, 0.0, "steady"),
            entities=[Mention(**m) for m in data.get("entities", [])],
            text=data.get("text", ""),
            abstract=data.get("abstract"),
            model=data.get("model", EXTRACTIVE_VERSION),
            interaction_id=data.get("interaction_id"),
        )

    @classmethod
    def from_json(cls, raw: str) -> InteractionSummaryData:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(raw))

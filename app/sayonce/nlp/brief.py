"""The customer so far: a brief rolled up from cached per-interaction summaries.

Newest first, open promises on top, no repeats (near-identical points are merged), each
point linked to the interaction, turn and characters it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.nlp import cues
from sayonce.nlp.summary import InteractionSummaryData, Point
from sayonce.nlp.summary_cache import cached_summaries, save_summaries, summarize_interaction
from sayonce.store import Fact, Interaction

MAX_INTERACTIONS = 200
MAX_POINTS = 12
MAX_PROMISES = 5
MAX_ENTITIES = 10
BRIEF_ENTITY_KINDS = ("order", "case", "tracking", "product")
# Channels that record what the customer did rather than said (web and app activity): they
# make a brief point only when they state a problem (a contact form: "my order never came").
SILENT_CHANNELS = frozenset({"web"})
# A promise older than this (before the customer's latest contact) is history, not a to-do.
PROMISE_WINDOW = timedelta(days=30)
# token_sort_ratio at or above which two points say the same thing.
SAME_POINT = 85
_NORMALIZE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class BriefPoint:
    """One line of the brief and where it comes from."""

    kind: str  # promise | issue | action | outcome
    text: str
    interaction_id: int
    at: str  # ISO timestamp of the interaction
    channel: str
    turn: int
    start: int
    end: int


@dataclass(slots=True)
class Brief:
    """The customer so far (plain data, JSON-ready)."""

    customer_ids: list[int]
    interactions: int = 0
    open_promises: list[BriefPoint] = field(default_factory=list)
    points: list[BriefPoint] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    sentiment: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Contact:
    id: int
    at: datetime
    channel: str


class _Deduper:
    """Keeps the first of near-identical texts (newest first, so the latest wording wins)."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._texts: list[str] = []

    def is_new(self, text: str) -> bool:
        key = _NORMALIZE.sub(" ", text.lower()).strip()
        if not key or key in self._keys:
            return False
        if process.extractOne(
            key, self._texts, scorer=fuzz.token_sort_ratio, score_cutoff=SAME_POINT
        ):
            return False
        self._keys.add(key)
        self._texts.append(key)
        return True


def _contacts(session: Session, customer_ids: Sequence[int], limit: int) -> list[_Contact]:
    rows = session.execute(
        select(Interaction.id, Interaction.started_at, Interaction.channel)
        .where(Interaction.customer_id.in_(customer_ids))
        .order_by(Interaction.started_at.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return [_Contact(i, at, channel) for i, at, channel in rows]


def _resolved_promises(
    session: Session, customer_ids: Sequence[int]
) -> set[tuple[int, int | None]]:
    rows = session.execute(
        select(Fact.interaction_id, Fact.turn_seq).where(
            Fact.customer_id.in_(customer_ids), Fact.kind == "promise", Fact.resolved.is_(True)
        )
    ).all()
    return {(i, t) for i, t in rows}


def _summaries(
    session: Session, contacts: list[_Contact], compute_missing: bool
) -> tuple[dict[int, InteractionSummaryData], list[InteractionSummaryData]]:
    found = cached_summaries(session, [c.id for c in contacts])
    fresh = []
    if compute_missing:
        for contact in contacts:
            if contact.id not in found:
                found[contact.id] = summarize_interaction(session, contact.id, cache=False)
                fresh.append(found[contact.id])
    return found, fresh


def _line(kind: str, point: Point, contact: _Contact) -> BriefPoint:
    return BriefPoint(
        kind,
        point.text,
        contact.id,
        contact.at.isoformat(),
        contact.channel,
        point.turn,
        point.start,
        point.end,
    )


def customer_brief(
    session: Session,
    customer_ids: Sequence[int],
    limit: int = MAX_INTERACTIONS,
    compute_missing: bool = True,
    cache: bool = False,
) -> Brief:
    """The brief over the newest ``limit`` interactions of a customer's merge cluster.

    Missing summaries are computed (``compute_missing``) and, with ``cache``, added to the
    session to be kept (then call it inside ``store.write()``).
    """
    brief, fresh = build_brief(session, customer_ids, limit, compute_missing)
    if cache and fresh:
        save_summaries(session, fresh)
    return brief


def build_brief(
    session: Session,
    customer_ids: Sequence[int],
    limit: int = MAX_INTERACTIONS,
    compute_missing: bool = True,
) -> tuple[Brief, list[InteractionSummaryData]]:
    """The brief, and the summaries computed for it that were not cached yet."""
    ids = list(customer_ids)
    contacts = _contacts(session, ids, limit)
    brief = Brief(customer_ids=ids, interactions=len(contacts))
    if not contacts:
        return brief, []
    summaries, fresh = _summaries(session, contacts, compute_missing)
    rollup = _Rollup(brief, _resolved_promises(session, ids), newest=contacts[0].at)
    scores = []
    for contact in contacts:
        summary = summaries.get(contact.id)
        if summary is not None:
            scores.append(summary.sentiment.score)
            rollup.add(contact, summary)
    brief.sentiment = _sentiment(scores)
    brief.text = _text(brief)
    return brief, fresh


class _Rollup:
    """Adds one interaction's summary at a time, newest first, to the brief."""

    def __init__(self, brief: Brief, resolved: set[tuple[int, int | None]], newest: datetime):
        self.brief = brief
        self.resolved = resolved
        self.newest = newest
        self.seen = _Deduper()
        self.entity_keys: set[tuple[str, str]] = set()

    def add(self, contact: _Contact, summary: InteractionSummaryData) -> None:
        if self.newest - contact.at <= PROMISE_WINDOW:
            self._promises(contact, summary)
        self._points(contact, summary)
        self._entities(contact, summary)

    def _promises(self, contact: _Contact, summary: InteractionSummaryData) -> None:
        for promise in summary.promises:
            if (
                len(self.brief.open_promises) < MAX_PROMISES
                and (contact.id, promise.turn) not in self.resolved
                and cues.is_open_promise(promise.text)
                and self.seen.is_new(promise.text)
            ):
                self.brief.open_promises.append(_line("promise", promise, contact))

    def _points(self, contact: _Contact, summary: InteractionSummaryData) -> None:
        issues = summary.issue[:1]
        if contact.channel in SILENT_CHANNELS:
            # a page view ("Viewed /category/laundry") is history, not something they told us
            issues = [p for p in issues if cues.problem_score(p.text) > 1.0]
        candidates = [("issue", p) for p in issues]
        candidates += [("action", p) for p in summary.actions[:1]]
        if summary.outcome is not None:
            candidates.append(("outcome", summary.outcome))
        for kind, point in candidates:
            if len(self.brief.points) < MAX_POINTS and self.seen.is_new(point.text):
                self.brief.points.append(_line(kind, point, contact))

    def _entities(self, contact: _Contact, summary: InteractionSummaryData) -> None:
        for mention in summary.entities:
            key = (mention.kind, mention.value.lower())
            if mention.kind not in BRIEF_ENTITY_KINDS or key in self.entity_keys:
                continue
            self.entity_keys.add(key)
            if len(self.brief.entities) < MAX_ENTITIES:
                self.brief.entities.append(
                    {"kind": mention.kind, "value": mention.value, "interaction_id": contact.id}
                )


def _sentiment(scores: list[float]) -> dict[str, Any]:
    if not scores:
        return {}
    recent = scores[:5]
    return {
        "latest": round(scores[0], 3),
        "recent_mean": round(sum(recent) / len(recent), 3),
        "overall_mean": round(sum(scores) / len(scores), 3),
    }


def _text(brief: Brief) -> str:
    parts = []
    if brief.open_promises:
        parts.append("Open promises: " + " ".join(p.text for p in brief.open_promises[:3]))
    if brief.points:
        parts.append("Recently: " + " ".join(p.text for p in brief.points[:4]))
    return "\n".join(parts)

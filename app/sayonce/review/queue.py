"""The review queue: every suggestion shown to an agent, filterable and keyset-paginated.

Supervisors page through suggestions newest first (``ORDER BY shown_at DESC, id DESC``) with a
cursor instead of an offset, so page 500 costs what page 1 costs. A customer's *segment* is
the merge survivor's when the profile was merged, so a merged duplicate is counted where its
person now lives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from sayonce.identity.cluster import cluster_of
from sayonce.store import Agent, Customer, Store, Suggestion, SuggestionStatus
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

# The merge survivor, when the suggestion's customer was merged into another profile.
SURVIVOR = aliased(Customer, name="survivor")
customer_segment = func.coalesce(SURVIVOR.segment, Customer.segment)
NO_SEGMENT = "(none)"
UNREVIEWED = "unreviewed"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the supervisor narrowed the queue to; ``None`` means "any"."""

    action_id: str | None = None
    agent_id: int | None = None
    segment: str | None = None  # NO_SEGMENT selects customers with no segment
    statuses: tuple[str, ...] = ()
    verdict: str | None = None  # good / bad / UNREVIEWED
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    customer_id: int | None = None  # the whole merge cluster
    call_id: str | None = None

    def describe(self) -> dict[str, Any]:
        """The filter as ids and codes only (safe for the audit log)."""
        values = {
            "action_id": self.action_id,
            "agent_id": self.agent_id,
            "segment": self.segment,
            "statuses": list(self.statuses) or None,
            "verdict": self.verdict,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "customer_id": self.customer_id,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: the last row's ``(shown_at, id)``."""

    shown_at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One suggestion as the queue shows it."""

    id: int
    shown_at: datetime
    call_id: str
    action_id: str
    step_id: str | None
    agent_id: int | None
    agent_name: str
    customer_id: int | None
    customer_ref: str
    customer_name: str
    segment: str | None
    status: str
    decision_reason: str | None
    outcome: str | None
    score: float
    risk: str
    verdict: str | None

    @property
    def cursor(self) -> Cursor:
        """The cursor that continues after this row."""
        return Cursor(self.shown_at, self.id)


@dataclass(frozen=True, slots=True)
class QueuePage:
    """A page of rows and the cursor of the next one (``None`` at the end)."""

    rows: list[QueueRow]
    next_cursor: Cursor | None


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The values the filter pickers offer."""

    actions: list[str] = field(default_factory=list)
    agents: list[tuple[int, str]] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: [s.value for s in SuggestionStatus])


def base_query(*columns: Any) -> Select[Any]:
    """``columns`` from suggestions joined to their agent, customer and merge survivor."""
    return (
        select(*columns)
        .select_from(Suggestion)
        .outerjoin(Agent, Agent.id == Suggestion.agent_id)
        .outerjoin(Customer, Customer.id == Suggestion.customer_id)
        .outerjoin(SURVIVOR, SURVIVOR.id == Customer.merged_into_id)
    )


ROW_COLUMNS = (
    Suggestion.id,
    Suggestion.shown_at,
    Suggestion.call_id,
    Suggestion.action_id,
    Suggestion.step_id,
    Suggestion.agent_id,
    func.coalesce(Agent.display_name, Agent.username, ""),
    Suggestion.customer_id,
    func.coalesce(Customer.ref, ""),
    func.coalesce(Customer.display_name, ""),
    customer_segment,
    Suggestion.status,
    Suggestion.decision_reason,
    Suggestion.outcome,
    Suggestion.score,
    Suggestion.risk,
    Suggestion.review_verdict,
)


def conditions(session: Session, filters: QueueFilter) -> list[ColumnElement[bool]]:
    """SQL conditions for ``filters`` (over :func:`base_query`)."""
    found: list[ColumnElement[bool]] = []
    if filters.action_id:
        found.append(Suggestion.action_id == filters.action_id)
    if filters.agent_id is not None:
        found.append(Suggestion.agent_id == filters.agent_id)
    if filters.segment == NO_SEGMENT:
        found.append(customer_segment.is_(None))
    elif filters.segment:
        found.append(customer_segment == filters.segment)
    if filters.statuses:
        found.append(Suggestion.status.in_(filters.statuses))
    if filters.verdict == UNREVIEWED:
        found.append(Suggestion.review_verdict.is_(None))
    elif filters.verdict:
        found.append(Suggestion.review_verdict == filters.verdict)
    if filters.since is not None:
        found.append(Suggestion.shown_at >= filters.since)
    if filters.until is not None:
        found.append(Suggestion.shown_at < filters.until)
    if filters.customer_id is not None:
        found.append(Suggestion.customer_id.in_(cluster_of(session, filters.customer_id)))
    if filters.call_id:
        found.append(Suggestion.call_id == filters.call_id)
    return found


def to_row(values: Any) -> QueueRow:
    """A :class:`QueueRow` from a result row of :data:`ROW_COLUMNS`."""
    return QueueRow(*values)


def read_page(
    session: Session, filters: QueueFilter, after: Cursor | None, limit: int
) -> QueuePage:
    """One page inside an open session (no permission check: callers check)."""
    query = base_query(*ROW_COLUMNS).where(*conditions(session, filters))
    if after is not None:
        key = tuple_(Suggestion.shown_at, Suggestion.id)
        query = query.where(key < tuple_(after.shown_at, after.id))
    query = query.order_by(Suggestion.shown_at.desc(), Suggestion.id.desc()).limit(limit + 1)
    rows = [to_row(values) for values in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(rows, rows[-1].cursor if more and rows else None)


def page(
    store: Store,
    principal: Principal,
    filters: QueueFilter | None = None,
    after: Cursor | None = None,
    limit: int = 100,
) -> QueuePage:
    """The next ``limit`` suggestions matching ``filters``, newest first, after ``after``."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        return read_page(session, filters or QueueFilter(), after, max(1, min(limit, 1000)))


def count(store: Store, principal: Principal, filters: QueueFilter | None = None) -> int:
    """How many suggestions match ``filters``."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        query = base_query(func.count()).where(*conditions(session, filters or QueueFilter()))
        return int(session.scalar(query) or 0)


def choices(store: Store, principal: Principal) -> FilterChoices:
    """Actions, agents and segments to offer in the filter pickers."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        actions = session.scalars(select(Suggestion.action_id).distinct()).all()
        agents = session.execute(
            select(Agent.id, func.coalesce(Agent.display_name, Agent.username)).order_by(
                Agent.display_name
            )
        ).all()
        segments = session.scalars(
            select(Customer.segment).where(Customer.segment.is_not(None)).distinct()
        ).all()
    return FilterChoices(
        actions=sorted(actions),
        agents=[(int(agent_id), str(name)) for agent_id, name in agents],
        segments=sorted(str(s) for s in segments),
    )


def parse_reasons(raw: str | None) -> list[dict[str, Any]]:
    """The stored reasons JSON as a list of ``{text, weight, evidence}`` (tolerant of junk)."""
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        return [{"text": str(raw), "weight": None, "evidence": None}]
    items = data if isinstance(data, list) else [data]
    reasons = []
    for item in items:
        if isinstance(item, dict):
            reasons.append(
                {
                    "text": str(item.get("text", "")),
                    "weight": item.get("weight"),
                    "evidence": item.get("evidence"),
                }
            )
        else:
            reasons.append({"text": str(item), "weight": None, "evidence": None})
    return reasons

"""Acceptance and outcome rates per action, agent or customer segment, over a date range.

Counted by the database (one ``GROUP BY`` with conditional sums), so a year of suggestions
costs one query, not a Python loop over every row.

* *taken*: the agent accepted the suggestion (including high-risk ones then sent for approval,
  whatever the supervisor decided);
* *acceptance rate* = taken / shown (every suggestion shown counts, decided or not);
* *outcome rate* = successes / taken suggestions whose outcome is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, func

from sayonce.review.queue import QueueFilter, base_query, conditions, customer_segment
from sayonce.store import Agent, Store, Suggestion, SuggestionStatus
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

TAKEN = (
    SuggestionStatus.ACCEPTED.value,
    SuggestionStatus.PENDING_APPROVAL.value,
    SuggestionStatus.APPROVED.value,
    SuggestionStatus.REJECTED.value,
)


class Dimension(StrEnum):
    """What the rates are broken down by."""

    ACTION = "action"
    AGENT = "agent"
    SEGMENT = "segment"


@dataclass(frozen=True, slots=True)
class Rates:
    """Counts for one group, and the rates derived from them."""

    key: str
    label: str
    shown: int
    taken: int
    dismissed: int
    approved: int
    rejected: int
    succeeded: int
    failed: int
    good: int
    bad: int

    @property
    def acceptance_rate(self) -> float | None:
        """Taken over shown, or ``None`` when nothing was shown."""
        return self.taken / self.shown if self.shown else None

    @property
    def outcome_rate(self) -> float | None:
        """Successes over known outcomes, or ``None`` when none is known yet."""
        known = self.succeeded + self.failed
        return self.succeeded / known if known else None

    @property
    def dismissal_rate(self) -> float | None:
        """Dismissed over shown."""
        return self.dismissed / self.shown if self.shown else None


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COUNTS = (
    func.count(Suggestion.id),
    _count(Suggestion.status.in_(TAKEN)),
    _count(Suggestion.status == SuggestionStatus.DISMISSED.value),
    _count(Suggestion.status == SuggestionStatus.APPROVED.value),
    _count(Suggestion.status == SuggestionStatus.REJECTED.value),
    _count(Suggestion.status.in_(TAKEN) & (Suggestion.outcome == "success")),
    _count(Suggestion.status.in_(TAKEN) & (Suggestion.outcome == "failure")),
    _count(Suggestion.review_verdict == "good"),
    _count(Suggestion.review_verdict == "bad"),
)


def _key(dimension: Dimension) -> tuple[Any, Any]:
    """The GROUP BY expression and its display label."""
    if dimension is Dimension.ACTION:
        return Suggestion.action_id, Suggestion.action_id
    if dimension is Dimension.AGENT:
        return Suggestion.agent_id, func.max(func.coalesce(Agent.display_name, Agent.username))
    return customer_segment, customer_segment


def rates(
    store: Store,
    principal: Principal,
    by: Dimension | str,
    since: datetime | None = None,
    until: datetime | None = None,
    filters: QueueFilter | None = None,
) -> list[Rates]:
    """One :class:`Rates` per action, agent or segment, most shown first."""
    require(principal, Permission.VIEW_ANALYTICS)
    dimension = Dimension(by)
    key, label = _key(dimension)
    scope = filters or QueueFilter()
    query = base_query(key, label, *_COUNTS).group_by(key).order_by(func.count().desc(), key)
    with store.read() as session:
        where = conditions(session, scope)
        where += _period(since, until)
        rows = session.execute(query.where(*where)).all()
    return [_rates(dimension, row) for row in rows]


def overall(
    store: Store,
    principal: Principal,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Rates:
    """All suggestions in the period together."""
    require(principal, Permission.VIEW_ANALYTICS)
    with store.read() as session:
        row = session.execute(base_query(*_COUNTS).where(*_period(since, until))).one()
    return Rates("all", "All suggestions", *(int(v) for v in row))


def _period(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    where = []
    if since is not None:
        where.append(Suggestion.shown_at >= since)
    if until is not None:
        where.append(Suggestion.shown_at < until)
    return where


def _rates(dimension: Dimension, row: Any) -> Rates:
    key, label, *counts = row
    if key is None:
        text = "(no agent)" if dimension is Dimension.AGENT else "(none)"
        return Rates("", text, *(int(v) for v in counts))
    return Rates(str(key), str(label or key), *(int(v) for v in counts))

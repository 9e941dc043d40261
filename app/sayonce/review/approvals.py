"""Approval of high-risk actions while the call is still going on.

When an agent accepts a high-risk suggestion (a refund, a retention offer) the engine marks it
``pending_approval``. A supervisor approves or rejects it here; the agent's panel polls
:func:`decisions` and sees the new status within a poll interval. Two supervisors clicking at
once cannot both decide: the update only applies while the row is still pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from sayonce.privacy.redact import redact
from sayonce.review.queue import ROW_COLUMNS, QueueRow, base_query, parse_reasons, to_row
from sayonce.store import Store, Suggestion, SuggestionStatus, utcnow
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, can, require
from sayonce.trust.principal import Principal

PENDING = SuggestionStatus.PENDING_APPROVAL.value


class AlreadyDecided(ValueError):
    """The request was approved, rejected or withdrawn before this decision arrived."""

    def __init__(self, suggestion_id: int, status: str | None) -> None:
        """Say what happened to the request instead."""
        state = "no longer exists" if status is None else f"is already {status.replace('_', ' ')}"
        super().__init__(f"Suggestion {suggestion_id} {state}; nothing was changed.")
        self.suggestion_id = suggestion_id
        self.status = status


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A pending high-risk action, with what the supervisor needs to decide."""

    row: QueueRow
    reasons: list[dict[str, Any]]
    context: str | None
    requested_at: datetime

    @property
    def id(self) -> int:
        """The suggestion id."""
        return self.row.id


def pending(store: Store, principal: Principal, limit: int = 200) -> list[ApprovalRequest]:
    """Requests waiting for a supervisor, oldest first (the customer is waiting)."""
    require(principal, Permission.APPROVE_ACTIONS)
    columns = (*ROW_COLUMNS, Suggestion.reasons, Suggestion.context, Suggestion.decided_at)
    query = (
        base_query(*columns)
        .where(Suggestion.status == PENDING)
        .order_by(Suggestion.shown_at, Suggestion.id)
        .limit(limit)
    )
    with store.read() as session:
        rows = session.execute(query).all()
    return [_request(values) for values in rows]


def _request(values: Any) -> ApprovalRequest:
    row = to_row(values[: len(ROW_COLUMNS)])
    reasons, context, decided_at = values[len(ROW_COLUMNS) :]
    return ApprovalRequest(row, parse_reasons(reasons), context, decided_at or row.shown_at)


def approve(
    store: Store, principal: Principal, suggestion_id: int, comment: str | None = None
) -> None:
    """Approve a pending request; the agent may go ahead."""
    _decide(store, principal, suggestion_id, SuggestionStatus.APPROVED, comment)


def reject(store: Store, principal: Principal, suggestion_id: int, reason: str) -> None:
    """Reject a pending request with a reason the agent sees."""
    if not reason.strip():
        raise ValueError("Say why the request is rejected: the agent reads it to the customer.")
    _decide(store, principal, suggestion_id, SuggestionStatus.REJECTED, reason)


def _decide(
    store: Store,
    principal: Principal,
    suggestion_id: int,
    status: SuggestionStatus,
    comment: str | None,
) -> None:
    require(principal, Permission.APPROVE_ACTIONS)
    now = utcnow()
    values: dict[str, Any] = {
        "status": status.value,
        "approved_by": principal.agent_id,
        "approved_at": now,
        "version": Suggestion.version + 1,
    }
    if comment and comment.strip():
        values["decision_reason"] = redact(comment.strip())[:500]
    with store.write() as session:
        # Conditional update: only the first decision on a pending row takes effect.
        changed = session.execute(
            update(Suggestion)
            .where(Suggestion.id == suggestion_id, Suggestion.status == PENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            current = session.scalar(
                select(Suggestion.status).where(Suggestion.id == suggestion_id)
            )
            raise AlreadyDecided(suggestion_id, current)
        action = AuditAction.APPROVE if status is SuggestionStatus.APPROVED else AuditAction.REJECT
        record(session, principal, action, "suggestion", suggestion_id, {"status": status.value})


@dataclass(frozen=True, slots=True)
class Decision:
    """What the agent's panel shows for a request it is waiting on."""

    suggestion_id: int
    status: str
    reason: str | None
    decided_at: datetime | None


def decisions(store: Store, principal: Principal, suggestion_ids: list[int]) -> list[Decision]:
    """Current status of the agent's own requests (supervisors may ask about any)."""
    require(principal, Permission.DECIDE_SUGGESTION)
    if not suggestion_ids:
        return []
    query = select(
        Suggestion.id, Suggestion.status, Suggestion.decision_reason, Suggestion.approved_at
    ).where(Suggestion.id.in_(suggestion_ids))
    if not can(principal, Permission.REVIEW_SUGGESTIONS):
        if principal.agent_id is None:
            return []
        query = query.where(Suggestion.agent_id == principal.agent_id)
    with store.read() as session:
        rows = session.execute(query).all()
    return [Decision(int(i), str(s), r, at) for i, s, r, at in rows]

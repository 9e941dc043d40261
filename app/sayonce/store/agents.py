"""Agents (users of the app), suggestions shown to them and their decisions, the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sayonce.store.base import Base, utcnow


class Role(StrEnum):
    """What a user may do; enforced in the core (``sayonce.trust``)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Agent(Base):
    """A person who signs in: agent, supervisor or admin."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.AGENT.value)
    team: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(256))  # argon2; None = OS sign-in
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuggestionStatus(StrEnum):
    """Life of a suggestion shown to an agent."""

    SHOWN = "shown"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Suggestion(Base):
    """A next-best action shown during a contact, with its reasons, decision and outcome."""

    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_customer_action", "customer_id", "action_id", "shown_at"),
        Index("ix_suggestions_status_time", "status", "shown_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    action_id: Mapped[str] = mapped_column(String(64), index=True)
    step_id: Mapped[str | None] = mapped_column(String(64))
    playbook_version: Mapped[int | None]
    rank: Mapped[int] = mapped_column(default=1)
    score: Mapped[float]
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{text, weight, evidence}]
    context: Mapped[str | None] = mapped_column(Text)  # redacted transcript excerpt at the time
    risk: Mapped[str] = mapped_column(String(8), default="low")
    status: Mapped[str] = mapped_column(String(24), default=SuggestionStatus.SHOWN.value)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    approved_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(24))  # success/failure/unknown
    outcome_at: Mapped[datetime | None]
    review_verdict: Mapped[str | None] = mapped_column(String(16))  # supervisor: good/bad
    review_comment: Mapped[str | None] = mapped_column(String(1000))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PlaybookVersion(Base):
    """A saved version of a playbook (YAML text), for history, diff and audit."""

    __tablename__ = "playbook_versions"
    __table_args__ = (Index("ix_playbook_versions_name_version", "name", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained record of views, exports, erasures, merges, edits, approvals."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class MetaValue(Base):
    """Small key/value facts about the database itself (demo seed, created-by version)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


__all__ = [
    "Agent",
    "AuditEvent",
    "MetaValue",
    "PlaybookVersion",
    "Role",
    "Suggestion",
    "SuggestionStatus",
]

"""Orders, surveys, loyalty and campaign events, cases and agent notes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sayonce.store.base import Base, utcnow


class Order(Base):
    """A purchase from the order system."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_orders_customer_time", "customer_id", "placed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    number: Mapped[str] = mapped_column(String(64), index=True)
    placed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24), default="placed")
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{sku, name, qty, price}]
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))


class SurveyResponse(Base):
    """An NPS, CSAT or CES answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_survey_responses_customer_time", "customer_id", "responded_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    kind: Mapped[str] = mapped_column(String(8))  # nps (0-10) / csat (1-5) / ces (1-7)
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))


class LoyaltyEvent(Base):
    """Loyalty programme activity: join, tier change, points earned or redeemed."""

    __tablename__ = "loyalty_events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_loyalty_events_customer_time", "customer_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    tier: Mapped[str | None] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(default=0)
    description: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))


class CampaignEvent(Base):
    """Marketing engagement: sent, opened, clicked, converted, unsubscribed."""

    __tablename__ = "campaign_events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_campaign_events_customer_time", "customer_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime]
    campaign: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))


class Case(Base):
    """A support case (ticket) that spans interactions."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_cases_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    number: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open/pending/closed
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))


class Note(Base):
    """An agent's note on a customer, saved continuously while typing; visible to every agent."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_customer_time", "customer_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # indexed: other workstations poll for recently edited notes (sayonce.intake.changes)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

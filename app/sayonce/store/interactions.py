"""Interactions on every channel, and the turns of calls and chats."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sayonce.store.base import Base, utcnow


class Channel(StrEnum):
    """Where an interaction happened."""

    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL = "social"
    WEB = "web"
    STORE = "store"
    SURVEY = "survey"


class Speaker(StrEnum):
    """Who said a turn."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Interaction(Base):
    """One contact. ``body`` holds the redacted full text (the joined turns for calls/chats)."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        # keyset pagination of a customer's timeline: (customer_id, started_at, id)
        Index("ix_interactions_customer_time", "customer_id", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8), default="inbound")  # inbound/outbound
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64), default="sayonce")
    external_id: Mapped[str] = mapped_column(String(128))
    intent: Mapped[str | None] = mapped_column(String(64))
    sentiment: Mapped[float | None]  # -1 .. 1
    disposition: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)  # agent-confirmed wrap-up summary
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    turns: Mapped[list[Turn]] = relationship(
        back_populates="interaction",
        cascade="all, delete-orphan",
        order_by="Turn.seq",
        lazy="raise_on_sql",
    )

    __mapper_args__ = {"version_id_col": version}


class Turn(Base):
    """One utterance or message in a call or chat (redacted)."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("interaction_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    offset_ms: Mapped[int | None]
    at: Mapped[datetime | None]

    interaction: Mapped[Interaction] = relationship(back_populates="turns")


class InteractionSummary(Base):
    """Cached NLP analysis of one interaction (structured summary JSON, by model version)."""

    __tablename__ = "interaction_summaries"

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # JSON of sayonce.nlp summary
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fact(Base):
    """Something the customer already told us, linked to where it was said ("already told us")."""

    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_customer_time", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    turn_seq: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(24))  # problem/order_number/tried/promise/preference
    text: Mapped[str] = mapped_column(String(1000))  # the sentence it comes from (redacted)
    value: Mapped[str | None] = mapped_column(String(200))  # e.g. the order number
    at: Mapped[datetime]
    resolved: Mapped[bool] = mapped_column(default=False)


# Half precision halves the storage (768 bytes a sentence for MiniLM); cosine scores move by
# less than 0.001, which never reorders a customer's hits in practice (docs/nlp.md).
EMBEDDING_DTYPE = "float16"
EMBEDDING_DTYPE_BYTES = 2


class Embedding(Base):
    """Sentence embeddings of one interaction, for semantic search in a customer's history.

    ``vector`` holds ``chunks`` unit vectors of :data:`EMBEDDING_DTYPE` back to back, one per
    sentence (or run of sentences) of the stored, redacted subject and body, in the order
    :func:`sayonce.history.semantic.chunks_of` cuts them. ``text_hash`` fingerprints the text
    and the cutting they were computed from: a row whose hash no longer matches its
    interaction is stale and never used (``sayonce.history.semantic`` recomputes it).
    """

    __tablename__ = "embeddings"

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes]
    chunks: Mapped[int] = mapped_column(default=1, server_default="1")
    text_hash: Mapped[str | None] = mapped_column(String(64))

    @property
    def dimensions(self) -> int:
        """Values per vector."""
        return len(self.vector) // (EMBEDDING_DTYPE_BYTES * max(1, self.chunks))

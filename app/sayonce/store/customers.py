"""Customers and the identities (phones, emails, handles, account ids) that point at them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sayonce.store.base import Base, utcnow


class IdentityKind(StrEnum):
    """What an identity value is. Values are stored normalized (see ``sayonce.identity``)."""

    PHONE = "phone"  # E.164
    EMAIL = "email"  # case-folded
    SOCIAL = "social"  # "network:handle", case-folded
    ACCOUNT = "account"  # CRM / billing account id
    LOYALTY = "loyalty"  # loyalty card or member id
    EXTERNAL = "external"  # "source:id" of an upstream system


class Customer(Base):
    """One person. Merges never delete: the absorbed profile points at the survivor."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # human-facing id, e.g. C-000123
    display_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    # casefolded, accent-free "given family" for prefix search and fuzzy matching
    name_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    birthday: Mapped[date | None]
    language: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    tier: Mapped[str | None] = mapped_column(
        String(16)
    )  # loyalty tier: bronze/silver/gold/platinum
    segment: Mapped[str | None] = mapped_column(String(32))  # persona / segment label
    value_score: Mapped[float] = mapped_column(default=0.0)  # value today (12-month revenue)
    potential_score: Mapped[float] = mapped_column(default=0.0)  # untapped potential
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    consent_personalization: Mapped[bool] = mapped_column(default=True)
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # indexed: other workstations poll for recently changed profiles (sayonce.intake.changes)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # a profile made for an unknown caller or contact, to be linked (merged) to a real one later
    unverified: Mapped[bool] = mapped_column(default=False, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    erased_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class Identity(Base):
    """A normalized way to recognise a customer. The same value may belong to two customers."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("kind", "value", "customer_id"),
        Index("ix_identities_kind_value", "kind", "value"),
        # a profile header lists every identity of a merge cluster: by customer, not by value
        Index("ix_identities_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    raw: Mapped[str | None] = mapped_column(String(320))  # as the source wrote it
    source: Mapped[str | None] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class MergeRecord(Base):
    """A merge of ``absorbed`` into ``survivor``: explained, and undoable until undone."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    score: Mapped[float | None]
    reasons: Mapped[str] = mapped_column(default="[]")  # JSON list of strings
    snapshot: Mapped[str] = mapped_column(default="{}")  # JSON: what the merge changed
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(64))


class NeverMerge(Base):
    """A pair a person said are different people; never suggested or merged again."""

    __tablename__ = "never_merge"
    __table_args__ = (UniqueConstraint("low_id", "high_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

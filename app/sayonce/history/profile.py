"""The profile header: who the customer is, what they are worth, and what is open with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers
from sqlalchemy import BindParameter, Connection, bindparam, func, select
from sqlalchemy.orm import Session

from sayonce.identity.cluster import cluster_of
from sayonce.store import Case, Customer, Identity, IdentityKind, Interaction, SurveyResponse

TREND_POINTS = 6


@dataclass(frozen=True, slots=True)
class IdentityView:
    """One way to recognise the customer, formatted for reading."""

    kind: str
    value: str  # as stored (normalized)
    label: str  # as shown: +1 415-555-0101, ann@example.com, twitter @ann
    verified: bool


@dataclass(frozen=True, slots=True)
class OpenCase:
    """A case that is not closed."""

    id: int
    number: str
    title: str
    status: str
    priority: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One survey answer in a trend."""

    at: datetime
    score: int


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the header shows, as plain data."""

    customer_id: int
    ref: str
    display_name: str
    member_ids: list[int]
    identities: list[IdentityView]
    tier: str | None
    segment: str | None
    value_score: float
    potential_score: float
    preferred_channel: str | None
    consent_personalization: bool
    consent_marketing: bool
    opted_out_at: datetime | None
    birthday: date | None
    language: str | None
    city: str | None
    country: str | None
    erased: bool
    unverified: bool
    open_cases: list[OpenCase] = field(default_factory=list)
    last_contact_at: datetime | None = None
    last_contact_channel: str | None = None
    interaction_count: int = 0
    nps: list[ScorePoint] = field(default_factory=list)  # oldest first
    csat: list[ScorePoint] = field(default_factory=list)

    @property
    def personalization_allowed(self) -> bool:
        """Whether offers and personalized suggestions may be made to this customer."""
        return self.consent_personalization and self.opted_out_at is None

    def days_to_birthday(self, today: date) -> int | None:
        """Days until the next birthday (0 = today), or ``None`` if unknown."""
        return days_until_birthday(self.birthday, today) if self.birthday else None


def days_until_birthday(birthday: date, today: date) -> int:
    """Days from ``today`` to the next ``birthday`` (29 February falls on 1 March)."""
    for year in (today.year, today.year + 1):
        try:
            next_day = birthday.replace(year=year)
        except ValueError:
            next_day = date(year, 3, 1)
        if next_day >= today:
            return (next_day - today).days
    return 0  # unreachable: next year's date is always after today


def identity_label(kind: str, value: str) -> str:
    """A normalized identity as a person would write it."""
    if kind == IdentityKind.PHONE:
        try:
            parsed = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return value
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if kind == IdentityKind.SOCIAL:
        network, _, handle = value.partition(":")
        return f"{network} @{handle}" if handle else value
    return value


_KIND_ORDER = {k.value: n for n, k in enumerate(IdentityKind)}


# Built once with bound parameters: constructing SQL objects costs more than running them.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_IDENTITIES = (
    select(Identity.kind, Identity.value, Identity.verified)
    .where(Identity.customer_id.in_(_IDS))
    .order_by(Identity.id)
)
_OPEN_CASES = (
    select(Case.id, Case.number, Case.title, Case.status, Case.priority, Case.opened_at)
    .where(Case.customer_id.in_(_IDS), Case.status != "closed")
    .order_by(Case.opened_at.desc())
    .limit(20)
)
_TREND = (
    select(SurveyResponse.responded_at, SurveyResponse.score)
    .where(SurveyResponse.customer_id.in_(_IDS), SurveyResponse.kind == bindparam("kind"))
    .order_by(SurveyResponse.responded_at.desc(), SurveyResponse.id.desc())
    .limit(TREND_POINTS)
)
_LAST_CONTACT = (
    select(Interaction.started_at, Interaction.channel)
    .where(Interaction.customer_id == bindparam("member"))
    .order_by(Interaction.started_at.desc(), Interaction.id.desc())
    .limit(1)
)
_CONTACTS = select(func.count()).select_from(Interaction).where(Interaction.customer_id.in_(_IDS))
_HEADER = select(
    Customer.id,
    Customer.ref,
    Customer.display_name,
    Customer.tier,
    Customer.segment,
    Customer.value_score,
    Customer.potential_score,
    Customer.preferred_channel,
    Customer.consent_personalization,
    Customer.consent_marketing,
    Customer.opted_out_at,
    Customer.birthday,
    Customer.language,
    Customer.city,
    Customer.country,
    Customer.erased_at,
    Customer.unverified,
).where(Customer.id == bindparam("customer"))


def _identities(connection: Connection, cluster: list[int]) -> list[IdentityView]:
    seen: dict[tuple[str, str], IdentityView] = {}
    for kind, value, verified in connection.execute(_IDENTITIES, {"ids": cluster}):
        known = seen.get((kind, value))
        if known is None or (verified and not known.verified):
            seen[(kind, value)] = IdentityView(kind, value, identity_label(kind, value), verified)
    return sorted(seen.values(), key=lambda i: _KIND_ORDER.get(i.kind, 99))


def _trend(connection: Connection, cluster: list[int], kind: str) -> list[ScorePoint]:
    rows = connection.execute(_TREND, {"ids": cluster, "kind": kind}).all()
    return [ScorePoint(at, score) for at, score in reversed(rows)]


def _last_contact(connection: Connection, cluster: list[int]) -> tuple[datetime | None, str | None]:
    best: tuple[datetime | None, str | None] = (None, None)
    for member in cluster:  # one indexed probe per profile beats a sort over the cluster
        row = connection.execute(_LAST_CONTACT, {"member": member}).first()
        if row is not None and (best[0] is None or row[0] > best[0]):
            best = (row[0], row[1])
    return best


def load_profile(
    session: Session, customer_id: int, cluster: Sequence[int] | None = None
) -> Profile:
    """The header of ``customer_id``'s cluster (the surviving profile's fields, every identity)."""
    members = list(cluster) if cluster else cluster_of(session, customer_id)
    connection = session.connection()
    customer = connection.execute(_HEADER, {"customer": members[0]}).first()
    if customer is None:
        raise LookupError(f"no customer with id {customer_id}")
    last_at, last_channel = _last_contact(connection, members)
    count = connection.execute(_CONTACTS, {"ids": members}).scalar()
    open_cases = [OpenCase(*row) for row in connection.execute(_OPEN_CASES, {"ids": members})]
    return Profile(
        customer_id=customer.id,
        ref=customer.ref,
        display_name=customer.display_name or customer.ref,
        member_ids=members,
        identities=_identities(connection, members),
        tier=customer.tier,
        segment=customer.segment,
        value_score=customer.value_score,
        potential_score=customer.potential_score,
        preferred_channel=customer.preferred_channel,
        consent_personalization=customer.consent_personalization,
        consent_marketing=customer.consent_marketing,
        opted_out_at=customer.opted_out_at,
        birthday=customer.birthday,
        language=customer.language,
        city=customer.city,
        country=customer.country,
        erased=customer.erased_at is not None,
        unverified=customer.unverified,
        open_cases=open_cases,
        last_contact_at=last_at,
        last_contact_channel=last_channel,
        interaction_count=count or 0,
        nps=_trend(connection, members, "nps"),
        csat=_trend(connection, members, "csat"),
    )

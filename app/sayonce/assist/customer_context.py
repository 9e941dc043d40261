"""The customer facts eligibility rules need, read once when a call starts.

A :class:`CustomerContext` is a plain frozen snapshot: ranking after each utterance reads it
without touching the database, and it covers the customer's whole merge cluster (the profile
and every profile merged into it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.assist.reasons import DismissReason
from sayonce.identity.cluster import cluster_of
from sayonce.identity.lookup import find_customers
from sayonce.store import (
    Case,
    Customer,
    Interaction,
    Order,
    Suggestion,
    SuggestionStatus,
    SurveyResponse,
)
from sayonce.trust.consent import consent_of

CONTACT_LOOKBACK_DAYS = 90
ORDER_LOOKBACK_DAYS = 365
OFFER_LOOKBACK_DAYS = 365
ROW_LIMIT = 200
# A suggestion counts as "offered to the customer" once the agent acted on it: accepting it,
# sending it for approval, or dismissing it because the customer said no.
OFFERED_STATUSES = (
    SuggestionStatus.ACCEPTED.value,
    SuggestionStatus.PENDING_APPROVAL.value,
    SuggestionStatus.APPROVED.value,
    SuggestionStatus.REJECTED.value,
)


@dataclass(frozen=True, slots=True)
class OrderFact:
    """An order placed recently."""

    number: str
    placed_at: datetime
    status: str
    total: float


@dataclass(frozen=True, slots=True)
class CaseFact:
    """An open support case."""

    number: str
    title: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class ContactFact:
    """An earlier contact, with the intent it was about (if known)."""

    at: datetime
    channel: str
    intent: str | None
    subject: str | None


@dataclass(frozen=True, slots=True)
class OfferFact:
    """An action offered to this customer earlier (for contact policies)."""

    action_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CustomerContext:
    """What ranking may know about the caller; ``customer_id`` is ``None`` for an unknown one."""

    customer_id: int | None = None
    cluster_ids: tuple[int, ...] = ()
    ref: str | None = None
    display_name: str = ""
    tier: str | None = None
    segment: str | None = None
    value_score: float = 0.0
    potential_score: float = 0.0
    birthday: date | None = None
    customer_since: datetime | None = None
    consent_personalization: bool = True
    consent_marketing: bool = False
    opted_out: bool = False
    open_cases: tuple[CaseFact, ...] = ()
    recent_orders: tuple[OrderFact, ...] = ()
    latest_nps: tuple[int, datetime] | None = None
    last_survey_at: datetime | None = None
    recent_contacts: tuple[ContactFact, ...] = ()
    offers: tuple[OfferFact, ...] = field(default=())

    @property
    def known(self) -> bool:
        """Whether the caller was matched to a profile."""
        return self.customer_id is not None

    @property
    def personalization_allowed(self) -> bool:
        """Personalized offers need consent and no opt-out."""
        return self.consent_personalization and not self.opted_out


def find_customer(session: Session, ref: str | None, caller: str | None = None) -> int | None:
    """The one customer a call is about (by profile ref, else caller id); ``None`` if unsure."""
    for raw in (ref, caller):
        if raw:
            found = find_customers(session, raw)
            if len(found) == 1:
                return found[0]
            if found:
                return None  # several people share it: the agent picks (screen pop)
    return None


def load_customer_context(session: Session, customer_id: int, now: datetime) -> CustomerContext:
    """Snapshot what eligibility needs about ``customer_id``'s whole merge cluster."""
    cluster = tuple(cluster_of(session, customer_id))
    root_id = cluster[0]
    customer = session.get(Customer, root_id)
    if customer is None:
        return CustomerContext()
    consent = consent_of(session, root_id)
    return CustomerContext(
        customer_id=root_id,
        cluster_ids=cluster,
        ref=customer.ref,
        display_name=customer.display_name,
        tier=customer.tier,
        segment=customer.segment,
        value_score=customer.value_score,
        potential_score=customer.potential_score,
        birthday=customer.birthday,
        customer_since=customer.created_at,
        # the most restrictive answer of any profile in the cluster: an opt-out given on a
        # profile that was later merged in still holds
        consent_personalization=consent.personalization,
        consent_marketing=consent.marketing,
        opted_out=consent.opted_out,
        open_cases=_open_cases(session, cluster),
        recent_orders=_recent_orders(session, cluster, now),
        latest_nps=_latest_nps(session, cluster),
        last_survey_at=session.scalar(
            select(func.max(SurveyResponse.responded_at)).where(
                SurveyResponse.customer_id.in_(cluster)
            )
        ),
        recent_contacts=_recent_contacts(session, cluster, now),
        offers=_offers(session, cluster, now),
    )


def _open_cases(session: Session, cluster: tuple[int, ...]) -> tuple[CaseFact, ...]:
    rows = session.execute(
        select(Case.number, Case.title, Case.opened_at)
        .where(Case.customer_id.in_(cluster), Case.status != "closed")
        .order_by(Case.opened_at.desc())
        .limit(ROW_LIMIT)
    )
    return tuple(CaseFact(number, title, opened) for number, title, opened in rows)


def _recent_orders(
    session: Session, cluster: tuple[int, ...], now: datetime
) -> tuple[OrderFact, ...]:
    rows = session.execute(
        select(Order.number, Order.placed_at, Order.status, Order.total)
        .where(
            Order.customer_id.in_(cluster),
            Order.placed_at >= now - timedelta(days=ORDER_LOOKBACK_DAYS),
        )
        .order_by(Order.placed_at.desc())
        .limit(ROW_LIMIT)
    )
    return tuple(OrderFact(n, at, status, float(total)) for n, at, status, total in rows)


def _latest_nps(session: Session, cluster: tuple[int, ...]) -> tuple[int, datetime] | None:
    row = session.execute(
        select(SurveyResponse.score, SurveyResponse.responded_at)
        .where(SurveyResponse.customer_id.in_(cluster), SurveyResponse.kind == "nps")
        .order_by(SurveyResponse.responded_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _recent_contacts(
    session: Session, cluster: tuple[int, ...], now: datetime
) -> tuple[ContactFact, ...]:
    rows = session.execute(
        select(Interaction.started_at, Interaction.channel, Interaction.intent, Interaction.subject)
        .where(
            Interaction.customer_id.in_(cluster),
            Interaction.started_at >= now - timedelta(days=CONTACT_LOOKBACK_DAYS),
            Interaction.started_at <= now,
        )
        .order_by(Interaction.started_at.desc())
        .limit(ROW_LIMIT)
    )
    return tuple(ContactFact(at, channel, intent, subject) for at, channel, intent, subject in rows)


def _offers(session: Session, cluster: tuple[int, ...], now: datetime) -> tuple[OfferFact, ...]:
    offered = Suggestion.status.in_(OFFERED_STATUSES) | (
        (Suggestion.status == SuggestionStatus.DISMISSED.value)
        & (Suggestion.decision_reason == DismissReason.CUSTOMER_DECLINED.value)
    )
    rows = session.execute(
        select(Suggestion.action_id, Suggestion.shown_at)
        .where(
            Suggestion.customer_id.in_(cluster),
            Suggestion.shown_at >= now - timedelta(days=OFFER_LOOKBACK_DAYS),
            offered,
        )
        .order_by(Suggestion.shown_at.desc())
        .limit(ROW_LIMIT * 5)
    )
    return tuple(OfferFact(action_id, at) for action_id, at in rows)

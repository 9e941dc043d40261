"""Consent: may we personalize service for this person, may we market to them, have they opted out.

A person is a merge cluster, so a change applies to every profile in it and the effective
consent of a cluster is the most restrictive of its members: one "no" anywhere is a no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.store.base import utcnow
from sayonce.store.customers import Customer
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.person import UnknownCustomerError, person_ids
from sayonce.trust.principal import Principal


@dataclass(frozen=True, slots=True)
class Consent:
    """What a person allows, as agents see it and the assist engine obeys it."""

    customer_id: int
    personalization: bool
    marketing: bool
    opted_out_at: datetime | None

    @property
    def opted_out(self) -> bool:
        """The person asked not to be profiled or personalized for."""
        return not self.personalization

    def label(self) -> str:
        """A short line for the profile header."""
        if self.opted_out:
            return "Opted out of personalization" + ("" if self.marketing else " and marketing")
        return "Personalization on" + (", marketing on" if self.marketing else ", no marketing")


def _members(session: Session, customer_id: int) -> list[Customer]:
    ids = person_ids(session, customer_id)
    rows = list(session.scalars(select(Customer).where(Customer.id.in_(ids))))
    rows.sort(key=lambda row: ids.index(row.id))  # the root first
    if not rows:
        raise UnknownCustomerError(f"No customer with the id {customer_id}.")
    return rows


def _combine(customer_id: int, rows: list[Customer]) -> Consent:
    out = [r.opted_out_at for r in rows if r.opted_out_at is not None]
    return Consent(
        customer_id=customer_id,
        personalization=all(r.consent_personalization for r in rows),
        marketing=all(r.consent_marketing for r in rows),
        opted_out_at=min(out) if out else None,
    )


def consent_of(session: Session, customer_id: int) -> Consent:
    """The effective consent of ``customer_id``'s person (no permission needed: ranking uses it)."""
    return _combine(customer_id, _members(session, customer_id))


def set_consent(
    session: Session,
    principal: Principal,
    customer_id: int,
    *,
    personalization: bool | None = None,
    marketing: bool | None = None,
) -> Consent:
    """Record what the person told us, on every profile of their cluster; audited."""
    require(principal, Permission.SET_CONSENT)
    rows = _members(session, customer_id)
    now = utcnow()
    for row in rows:
        if personalization is not None:
            row.consent_personalization = personalization
            row.opted_out_at = None if personalization else (row.opted_out_at or now)
        if marketing is not None:
            row.consent_marketing = marketing
    session.flush()
    changes = {
        key: value
        for key, value in (("personalization", personalization), ("marketing", marketing))
        if value is not None
    }
    record(session, principal, AuditAction.CONSENT, "customer", rows[0].id, changes)
    return _combine(customer_id, rows)


def opt_out(session: Session, principal: Principal, customer_id: int) -> Consent:
    """The person opts out of personalization and marketing altogether."""
    return set_consent(session, principal, customer_id, personalization=False, marketing=False)

"""Screen pop: an incoming call or chat opens the right profile before the agent says hello.

The caller's number, email or handle is normalized and matched exactly (identities, customer
refs, order numbers: :mod:`sayonce.identity.lookup`). One match opens that customer; several
give the agent a pick list; none creates a new, unverified profile that can be merged with the
real one later.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sayonce.history.customer_view import CustomerView, open_customer
from sayonce.history.items import typed
from sayonce.history.search import CustomerHit, hits
from sayonce.identity.lookup import find_by_identity, find_matches, probes
from sayonce.identity.resolve import UNVERIFIED_NAME, customer_ref
from sayonce.store import Customer, Identity, IdentityKind, Store
from sayonce.trust.audit import record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

_IDENTITY_KINDS = frozenset(k.value for k in IdentityKind)
_PHONE_LIKE = re.compile(r"^\s*\+?[\d\s().\-/]{5,}$")


def _is_number(contact: str) -> bool:
    return contact.lstrip("+").isdigit() and len(contact) >= 7


def caller_id(raw: str) -> str:
    """``raw`` with a phone number's punctuation removed, "(415) 555-0101" → "4155550101"."""
    raw = typed(raw)
    if _PHONE_LIKE.match(raw):
        return ("+" if raw.strip().startswith("+") else "") + re.sub(r"\D", "", raw)
    return raw.strip()


@dataclass(frozen=True, slots=True)
class PopResult:
    """What an incoming contact matched, and the opened customer when exactly one did."""

    contact: str
    matches: list[CustomerHit]
    view: CustomerView | None = None

    @property
    def ambiguous(self) -> bool:
        """Several customers share this number or address: the agent must pick."""
        return len(self.matches) > 1


def pop(store: Store, principal: Principal, raw: str) -> PopResult:
    """Match an incoming contact and, when exactly one customer matches, open them."""
    require(principal, Permission.VIEW_PROFILE)
    contact = caller_id(raw)
    with store.read() as session:
        # telephony sends numbers: one indexed probe; anything else tries every reading
        phone = (
            find_by_identity(session, IdentityKind.PHONE, contact) if _is_number(contact) else []
        )
        if phone:
            matched = dict.fromkeys(phone, "phone match")
        else:
            matched = {
                m.customer_id: f"{m.matched_by} match" for m in find_matches(session, contact)
            }
        matches = hits(session, matched)
    view = open_customer(store, principal, matches[0].customer_id) if len(matches) == 1 else None
    return PopResult(raw, matches, view)


def new_profile(store: Store, principal: Principal, raw: str, source: str = "screen_pop") -> int:
    """Create an unverified profile for an unknown contact; return its id.

    The contact's number or address is stored as an (unverified) identity, so the next
    contact from it finds this profile, and a later merge links it to the real customer.
    """
    require(principal, Permission.EDIT_PROFILE)
    keys = [p for p in probes(caller_id(raw)) if p.kind in _IDENTITY_KINDS][
        :1
    ]  # most specific reading
    with store.write() as session:
        customer = Customer(
            ref=f"new-{uuid.uuid4().hex[:24]}", display_name=UNVERIFIED_NAME, unverified=True
        )
        session.add(customer)
        session.flush()
        customer.ref = customer_ref(customer.id)
        for key in keys:
            session.add(
                Identity(
                    customer_id=customer.id,
                    kind=key.kind,
                    value=key.value,
                    raw=typed(raw).strip()[:320],
                    source=source,
                )
            )
        record(session, principal, "customer.create", "customer", customer.id, {"via": source})
        return customer.id

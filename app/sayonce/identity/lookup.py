"""Find customers by what an agent or a phone system has: a number, an email, a handle, an id.

Exact matches on normalized identities only (fuzzy matching is :mod:`duplicates`), through the
``(kind, value)`` index, so a screen pop costs a few index probes. Results are *root*
customers: a profile merged into another is found as the survivor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.identity import normalize
from sayonce.identity.cluster import roots_of
from sayonce.store.commerce import Order
from sayonce.store.customers import Customer, Identity, IdentityKind

_REF = re.compile(r"^C-\d+$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^[+(\d][\d\s().\-/]{4,}$")
# "@handle" without a network is tried on these (each an index probe)
NETWORKS = ("twitter", "x", "instagram", "facebook", "tiktok", "linkedin", "whatsapp", "social")
_ID_KINDS = (IdentityKind.ACCOUNT, IdentityKind.LOYALTY, IdentityKind.EXTERNAL)


@dataclass(frozen=True, slots=True)
class Probe:
    """One reading of the raw text: a kind and its normalized value."""

    kind: str  # an IdentityKind value, or "ref" / "order"
    value: str


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """A root customer found by a lookup, and what matched."""

    customer_id: int
    ref: str
    display_name: str
    matched_by: str  # "phone", "email", "social", "account", "loyalty", "external", ...
    unverified: bool


def probes(raw: str, region: str = normalize.DEFAULT_REGION) -> list[Probe]:
    """Every plausible reading of ``raw``, most specific first."""
    text = raw.strip()
    if not text:
        return []
    found: list[Probe] = []
    if _REF.match(text):
        found.append(Probe("ref", text.upper()))
    if "@" in text.lstrip("@"):
        _try(found, IdentityKind.EMAIL, lambda: normalize.email(text))
    if ":" in text and "@" not in text.partition(":")[0]:
        _try(found, IdentityKind.SOCIAL, lambda: normalize.social(text))
    elif text.startswith("@") and "@" not in text[1:]:
        found.extend(
            Probe(IdentityKind.SOCIAL.value, f"{n}:{text[1:].casefold()}") for n in NETWORKS
        )
    if _PHONE_CHARS.match(text):
        _try(found, IdentityKind.PHONE, lambda: normalize.phone(text, region))
    if " " not in text and "@" not in text:
        plain = normalize.plain_id(text)
        found.extend(Probe(kind, plain) for kind in _ID_KINDS)
        found.append(Probe("order", text))
    return found


def _try(found: list[Probe], kind: IdentityKind, make: Callable[[], str]) -> None:
    try:
        value = make()
    except normalize.InvalidIdentity:
        return
    found.append(Probe(kind.value, value))


def _owners(session: Session, probe: Probe) -> list[int]:
    if probe.kind == "ref":
        return list(session.scalars(select(Customer.id).where(Customer.ref == probe.value)))
    if probe.kind == "order":
        query = select(Order.customer_id).where(Order.number == probe.value).limit(50)
        return list(session.scalars(query))
    query = select(Identity.customer_id).where(
        Identity.kind == probe.kind, Identity.value == probe.value
    )
    return list(session.scalars(query))


def find_matches(
    session: Session, raw: str, region: str = normalize.DEFAULT_REGION
) -> list[CustomerMatch]:
    """Root customers whose identity, ref or order number is exactly ``raw`` (normalized)."""
    hits: dict[int, str] = {}
    for probe in probes(raw, region):
        owners = _owners(session, probe)
        for root in roots_of(session, owners).values():
            hits.setdefault(root, probe.kind)
    if not hits:
        return []
    rows = session.execute(
        select(Customer.id, Customer.ref, Customer.display_name, Customer.unverified)
        .where(Customer.id.in_(list(hits)), Customer.erased_at.is_(None))
        .order_by(Customer.id)
    )
    return [CustomerMatch(r.id, r.ref, r.display_name, hits[r.id], r.unverified) for r in rows]


def find_customers(session: Session, raw: str, region: str = normalize.DEFAULT_REGION) -> list[int]:
    """Ids of the root customers ``raw`` identifies (see :func:`find_matches`)."""
    return [match.customer_id for match in find_matches(session, raw, region)]


def find_by_identity(session: Session, kind: str, raw: str) -> list[int]:
    """Root customers owning the identity ``kind``/``raw``; an invalid value finds nobody."""
    try:
        value = normalize.identity(kind, raw)
    except (normalize.InvalidIdentity, ValueError):
        return []
    owners = _owners(session, Probe(kind, value))
    return sorted(set(roots_of(session, owners).values()))

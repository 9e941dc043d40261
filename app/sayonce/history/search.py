"""Find customers as the agent types: by name, phone, email, handle, id, ref or order number.

Every lookup is an indexed prefix or equality probe, so the box answers in a few
milliseconds at a million interactions; results are merge-cluster roots, never absorbed
profiles. On SQLite prefixes are ``>= p AND < p + U+10FFFF`` ranges (the byte order of
UTF-8, so the index is used); on PostgreSQL they are ``LIKE 'p%'``, served whatever the
database's collation by the ``varchar_pattern_ops`` indexes of migration 0005.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sayonce.history.items import typed
from sayonce.history.sources import like_pattern
from sayonce.identity import normalize
from sayonce.identity.cluster import roots_of
from sayonce.store import Case, Customer, Identity, IdentityKind, Order

LIMIT = 12
MIN_CHARS = 2
_TOP = "\U0010ffff"
_PHONE_CHARS = re.compile(r"^[+\d\s().\-]+$")


@dataclass(frozen=True, slots=True)
class CustomerHit:
    """A customer found by a search, and how."""

    customer_id: int
    ref: str
    display_name: str
    matched: str  # "phone +1 415-555-0101", "order A-10424", "name"
    tier: str | None = None
    city: str | None = None


Match = tuple[int, str]  # (customer id, what matched)
Finder = Callable[[Session, str, int], Iterator[Match]]


def starts_with(session: Session, column: Any, prefix: str) -> ColumnElement[bool]:
    """An index-friendly ``column`` starts with ``prefix`` condition for this backend."""
    if session.get_bind().dialect.name == "sqlite":
        return (column >= prefix) & (column < prefix + _TOP)  # type: ignore[no-any-return]
    return column.like(like_pattern(prefix)[1:], escape="\\")  # type: ignore[no-any-return]


def _identities(
    session: Session, kinds: tuple[str, ...], prefix: str, limit: int, exact: bool = False
) -> Iterator[Match]:
    value_condition = (
        Identity.value == prefix if exact else starts_with(session, Identity.value, prefix)
    )
    stmt = (
        select(Identity.customer_id, Identity.kind, Identity.value)
        .where(Identity.kind.in_(kinds), value_condition)
        .limit(limit)
    )
    for customer_id, kind, value in session.execute(stmt):
        yield customer_id, f"{kind} {value}"


def _by_phone(session: Session, query: str, limit: int) -> Iterator[Match]:
    digits = re.sub(r"\D", "", query)
    if not _PHONE_CHARS.match(query) or len(digits) < 3:
        return
    try:
        yield from _identities(session, ("phone",), normalize.phone(query), limit, exact=True)
        return
    except normalize.InvalidIdentity:
        pass
    country = phonenumbers.country_code_for_region(normalize.DEFAULT_REGION)
    prefixes = [f"+{digits}"] if query.lstrip().startswith("+") else [f"+{country}{digits}"]
    for prefix in prefixes:
        yield from _identities(session, ("phone",), prefix, limit)


def _by_email(session: Session, query: str, limit: int) -> Iterator[Match]:
    if "@" in query and not query.startswith("@"):
        yield from _identities(session, ("email",), query.strip().casefold(), limit)


def _by_handle(session: Session, query: str, limit: int) -> Iterator[Match]:
    if query.startswith("@") and len(query) > 2:
        handle = query[1:].strip().casefold()
        stmt = (
            select(Identity.customer_id, Identity.value)
            .where(
                Identity.kind == IdentityKind.SOCIAL,
                Identity.value.like(f"%:{like_pattern(handle)[1:]}", escape="\\"),
            )
            .limit(limit)
        )
        for customer_id, value in session.execute(stmt):
            yield customer_id, f"social {value}"


def _by_plain_id(session: Session, query: str, limit: int) -> Iterator[Match]:
    try:
        key = normalize.plain_id(query)
    except normalize.InvalidIdentity:
        return
    kinds = (IdentityKind.ACCOUNT.value, IdentityKind.LOYALTY.value, IdentityKind.EXTERNAL.value)
    yield from _identities(session, kinds, key, limit)
    refs = select(Customer.id, Customer.ref).where(starts_with(session, Customer.ref, key))
    for customer_id, ref in session.execute(refs.limit(limit)):
        yield customer_id, f"ref {ref}"
    if query.strip().isdigit():
        found = session.scalar(select(Customer.id).where(Customer.id == int(query.strip())))
        if found is not None:
            yield found, f"id {found}"


def _by_number(session: Session, query: str, limit: int) -> Iterator[Match]:
    number = query.strip().lstrip("#").strip()
    if len(number) < MIN_CHARS or not any(c.isdigit() for c in number):
        return
    for model, label in ((Order, "order"), (Case, "case")):
        for variant in dict.fromkeys((number, number.upper())):
            stmt = select(model.customer_id, model.number).where(
                starts_with(session, model.number, variant)
            )
            for customer_id, found in session.execute(stmt.limit(limit)):
                yield customer_id, f"{label} {found}"


def _by_name(session: Session, query: str, limit: int) -> Iterator[Match]:
    key = normalize.name_key(query)
    if len(key) < MIN_CHARS or any(c.isdigit() or c == "@" for c in key):
        return
    stmt = select(Customer.id).where(starts_with(session, Customer.name_key, key))
    found = session.scalars(stmt.order_by(Customer.name_key).limit(limit)).all()
    for customer_id in found:
        yield customer_id, "name"
    if len(found) < limit:  # a family name: a scan, but of one short column
        later_word = Customer.name_key.like(f"% {like_pattern(key)[1:]}", escape="\\")
        stmt = select(Customer.id).where(later_word).order_by(Customer.name_key)
        for customer_id in session.scalars(stmt.limit(limit)):
            yield customer_id, "name"


FINDERS: tuple[Finder, ...] = (
    _by_phone,
    _by_email,
    _by_handle,
    _by_plain_id,
    _by_number,
    _by_name,
)


def find_customers(session: Session, query: str, limit: int = LIMIT) -> list[CustomerHit]:
    """Customers matching what was typed so far, best kinds of match first."""
    query = typed(query).strip()
    if len(query) < MIN_CHARS:
        return []
    found: dict[int, str] = {}
    for finder in FINDERS:
        for customer_id, how in finder(session, query, limit):
            found.setdefault(customer_id, how)
        if len(found) >= limit:
            break
    roots = roots_of(session, found)
    matched: dict[int, str] = {}
    for customer_id, how in found.items():
        matched.setdefault(roots[customer_id], how)
    return hits(session, matched, limit)


def hits(session: Session, matched: dict[int, str], limit: int = LIMIT) -> list[CustomerHit]:
    """Customer rows for ``{customer id: how it matched}``, erased profiles left out."""
    ids = list(matched)[:limit]
    if not ids:
        return []
    rows = session.execute(
        select(
            Customer.id, Customer.ref, Customer.display_name, Customer.tier, Customer.city
        ).where(Customer.id.in_(ids), Customer.erased_at.is_(None))
    ).all()
    by_id = {row.id: row for row in rows}
    return [
        CustomerHit(r.id, r.ref, r.display_name or r.ref, matched[r.id], r.tier, r.city)
        for r in (by_id[i] for i in ids if i in by_id)
    ]

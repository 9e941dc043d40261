"""Find customers by what an agent or a phone system has: a number, an email, a handle, an id.

Exact matches on normalized identities only (fuzzy matching is :mod:`duplicates`), through the
``(kind, value)`` index, so a screen pop costs a few index probes. Results are *root*
customers: a profile merged into another is found as the survivor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, String, and_, literal_column, or_, select, union_all
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
        found.extend(
            Probe(IdentityKind.PHONE.value, value)
            for value in normalize.phone_candidates(text, region)
        )
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
    return [owner for owner, _ in _matching_owners(session, [probe])]


def _matching_owners(session: Session, found: list[Probe]) -> list[tuple[int, int]]:
    """(customer id, index of the probe that matched) for every probe, in ONE query.

    Identity probes are an OR of ``kind = ? AND value = ?`` pairs, which SQLite answers with
    one index search per pair (a row-value ``IN`` would scan the table).
    """
    position = {(p.kind, p.value): i for i, p in enumerate(found)}
    parts: list[Select[int, str, str]] = []
    pairs = [p for p in found if p.kind not in ("ref", "order")]
    if pairs:
        match = or_(*(and_(Identity.kind == p.kind, Identity.value == p.value) for p in pairs))
        parts.append(select(Identity.customer_id, Identity.kind, Identity.value).where(match))
    refs = [p.value for p in found if p.kind == "ref"]
    if refs:
        how = literal_column("'ref'", String)
        parts.append(select(Customer.id, how, Customer.ref).where(Customer.ref.in_(refs)))
    orders = [p.value for p in found if p.kind == "order"]
    if orders:
        how = literal_column("'order'", String)
        parts.append(select(Order.customer_id, how, Order.number).where(Order.number.in_(orders)))
    if not parts:
        return []
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    return [(row[0], position[(row[1], row[2])]) for row in session.execute(query)]


# what a match needs of each profile (the found ones, then their merge roots)
_PROFILE_COLUMNS = (
    Customer.id,
    Customer.ref,
    Customer.display_name,
    Customer.unverified,
    Customer.merged_into_id,
    Customer.erased_at,
)


def find_matches(
    session: Session, raw: str, region: str = normalize.DEFAULT_REGION
) -> list[CustomerMatch]:
    """Root customers whose identity, ref or order number is exactly ``raw`` (normalized).

    Costs two queries in the usual case (a third only when a match was merged into another
    profile): screen pop runs this on every incoming contact.
    """
    found = probes(raw, region)
    owners = _matching_owners(session, found)
    if not owners:
        return []
    rows = {
        r.id: r
        for r in session.execute(
            select(*_PROFILE_COLUMNS).where(Customer.id.in_({owner for owner, _ in owners}))
        )
    }
    merged = [cid for cid, r in rows.items() if r.merged_into_id is not None]
    root = {cid: cid for cid in rows} | (roots_of(session, merged) if merged else {})
    missing = set(root.values()) - rows.keys()
    if missing:
        rows |= {
            r.id: r
            for r in session.execute(select(*_PROFILE_COLUMNS).where(Customer.id.in_(missing)))
        }
    best: dict[int, int] = {}
    for owner, index in owners:
        if owner in root:
            target = root[owner]
            best[target] = min(best.get(target, index), index)
    return [
        CustomerMatch(
            cid, rows[cid].ref, rows[cid].display_name, found[best[cid]].kind, rows[cid].unverified
        )
        for cid in sorted(best)
        if rows[cid].erased_at is None
    ]


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

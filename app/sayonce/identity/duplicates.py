"""Scored duplicate suggestions, each with the reasons a person needs to decide.

Candidate pairs come from *blocking* (only profiles that share something are compared):
an identity value, an email's local part, a name block (first letters of the family name
with the first initial, and the reverse, to survive typos in either), a birthday, or a
postcode with the family initial. Each pair is scored from evidence with weights, combined
so independent signals reinforce each other (``1 - Π(1 - w)``), minus contradictions:

======================================  ======
evidence                                 weight
======================================  ======
same account / loyalty / external id     0.80
same email                               0.70
same phone                               0.60
same social handle                       0.50
same name (rapidfuzz token sort ≥ 95)    0.50
names alike (≥ 85) / similar (≥ 70)      0.35 / 0.15
same birthday                            0.35
same email name at another domain        0.20
same postcode                            0.15
different birthdays                     −0.35
clearly different names (< 50)          −0.25
======================================  ======

Pairs that share a phone, email, handle or id are always listed whatever their score: an
import may have had to choose between them. Pairs marked "never merge" and profiles already
in one cluster are never suggested.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.identity.cluster import roots_of
from sayonce.store.customers import Customer, Identity, IdentityKind, NeverMerge

DEFAULT_MIN_SCORE = 0.55
MAX_BLOCK = 200  # a block this big (a very common name) tells nothing: skip it
_CHUNK = 500
_IDENTITY_WEIGHTS = {
    IdentityKind.ACCOUNT.value: 0.8,
    IdentityKind.LOYALTY.value: 0.8,
    IdentityKind.EXTERNAL.value: 0.8,
    IdentityKind.EMAIL.value: 0.7,
    IdentityKind.PHONE.value: 0.6,
    IdentityKind.SOCIAL.value: 0.5,
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What duplicate scoring looks at, for one root profile and its merged members."""

    id: int
    ref: str
    name: str
    name_key: str
    birthday: date | None
    postcode: str | None
    identities: frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DuplicateSuggestion:
    """Two root profiles that may be one person, with a score in 0..1 and the reasons."""

    first_id: int
    second_id: int
    first_ref: str
    second_ref: str
    first_name: str
    second_name: str
    score: float
    reasons: tuple[str, ...]
    shares_identity: bool


def score_pair(a: Profile, b: Profile) -> tuple[float, list[str], bool]:
    """Score, reasons (strongest first) and whether they share an identity."""
    evidence: list[tuple[float, str]] = []
    shared = sorted(a.identities & b.identities)
    for kind, value in shared:
        evidence.append((_IDENTITY_WEIGHTS.get(kind, 0.5), f"same {kind} {value}"))
    evidence.extend(_name_evidence(a, b))
    evidence.extend(_email_name_evidence(a, b, shared))
    if a.birthday and b.birthday:
        same = a.birthday == b.birthday
        evidence.append((0.35, "same birthday") if same else (-0.35, "different birthdays"))
    if a.postcode and b.postcode and _norm(a.postcode) == _norm(b.postcode):
        evidence.append((0.15, f"same postcode {a.postcode}"))
    remaining = 1.0
    for weight, _ in evidence:
        if weight > 0:
            remaining *= 1 - weight
    penalty = sum(w for w, _ in evidence if w < 0)
    score = max(0.0, min(1.0, 1 - remaining + penalty))
    reasons = [text for _, text in sorted(evidence, key=lambda e: -abs(e[0]))]
    return round(score, 3), reasons, bool(shared)


def _norm(text: str) -> str:
    return "".join(text.split()).upper()


def _name_evidence(a: Profile, b: Profile) -> list[tuple[float, str]]:
    if not a.name_key or not b.name_key:
        return []
    similarity = fuzz.token_sort_ratio(a.name_key, b.name_key)
    if similarity >= 95:
        return [(0.5, "same name")]
    if similarity >= 85:
        return [(0.35, f"names {similarity:.0f}% alike ({a.name} / {b.name})")]
    if similarity >= 70:
        return [(0.15, f"names {similarity:.0f}% similar ({a.name} / {b.name})")]
    if similarity < 50:
        return [(-0.25, f"different names ({a.name} / {b.name})")]
    return []


def _email_name_evidence(
    a: Profile, b: Profile, shared: list[tuple[str, str]]
) -> list[tuple[float, str]]:
    if any(kind == IdentityKind.EMAIL.value for kind, _ in shared):
        return []
    common = _email_names(a) & _email_names(b)
    return [(0.2, f"same email name {sorted(common)[0]!r} at another domain")] if common else []


def _email_names(profile: Profile) -> set[str]:
    return {
        value.partition("@")[0]
        for kind, value in profile.identities
        if kind == IdentityKind.EMAIL.value and len(value.partition("@")[0]) >= 3
    }


def blocking_keys(profile: Profile) -> set[str]:
    """The blocks ``profile`` falls in (profiles sharing a block get compared)."""
    keys = {f"id:{kind}:{value}" for kind, value in profile.identities}
    keys |= {f"mail:{name}" for name in _email_names(profile)}
    tokens = profile.name_key.split()
    if tokens:
        first, last = tokens[0], tokens[-1]
        keys.add(f"nf:{last[:3]}|{first[:1]}")
        keys.add(f"fn:{first[:3]}|{last[:1]}")
        if profile.postcode:
            keys.add(f"pc:{_norm(profile.postcode)}|{last[:1]}")
    if profile.birthday:
        keys.add(f"bd:{profile.birthday.isoformat()}")
    return keys


def candidate_pairs(profiles: Iterable[Profile]) -> set[tuple[int, int]]:
    """Pairs of profile ids sharing at least one block (huge blocks skipped)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for profile in profiles:
        for key in blocking_keys(profile):
            blocks[key].append(profile.id)
    pairs: set[tuple[int, int]] = set()
    for ids in blocks.values():
        if 1 < len(ids) <= MAX_BLOCK:
            ordered = sorted(ids)
            pairs.update((x, y) for i, x in enumerate(ordered) for y in ordered[i + 1 :] if x != y)
    return pairs


def load_profiles(session: Session, root_ids: Iterable[int] | None = None) -> dict[int, Profile]:
    """Root profiles (all, or those given) with the identities of their whole cluster."""
    query = select(
        Customer.id,
        Customer.ref,
        Customer.display_name,
        Customer.name_key,
        Customer.birthday,
        Customer.postcode,
        Customer.merged_into_id,
    ).where(Customer.erased_at.is_(None))
    wanted = None if root_ids is None else sorted(set(root_ids))
    rows = []
    if wanted is None:
        rows = list(session.execute(query))
    else:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows += session.execute(query.where(Customer.id.in_(chunk))).all()
            rows += session.execute(query.where(Customer.merged_into_id.in_(chunk))).all()
    members = {row.id for row in rows}
    roots = roots_of(session, members)
    identities: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for customer_id, kind, value in _identities(session, None if wanted is None else members):
        identities[roots[customer_id]].add((kind, value))
    return {
        row.id: Profile(
            row.id,
            row.ref,
            row.display_name,
            row.name_key,
            row.birthday,
            row.postcode,
            frozenset(identities.get(row.id, ())),
        )
        for row in rows
        if row.merged_into_id is None and (wanted is None or row.id in wanted)
    }


def _identities(session: Session, ids: set[int] | None) -> list[tuple[int, str, str]]:
    query = select(Identity.customer_id, Identity.kind, Identity.value)
    if ids is None:
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]
    found: list[tuple[int, str, str]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found += [tuple(r) for r in session.execute(query.where(Identity.customer_id.in_(chunk)))]  # type: ignore[misc]
    return found


def never_merge_pairs(session: Session) -> set[tuple[int, int]]:
    """Root pairs a person said are different people."""
    rows = session.execute(select(NeverMerge.low_id, NeverMerge.high_id)).all()
    roots = roots_of(session, [i for row in rows for i in row])
    return {tuple(sorted((roots[low], roots[high]))) for low, high in rows}  # type: ignore[misc]


def find_duplicates(
    session: Session,
    *,
    customer_id: int | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    limit: int = 100,
) -> list[DuplicateSuggestion]:
    """Suggestions, best first: across all profiles, or those involving ``customer_id``."""
    if customer_id is None:
        profiles = load_profiles(session)
        pairs = candidate_pairs(profiles.values())
    else:
        profiles, pairs = _around(session, customer_id)
    blocked = never_merge_pairs(session)
    found = []
    for first, second in pairs - blocked:
        a, b = profiles[first], profiles[second]
        score, reasons, shares = score_pair(a, b)
        if score >= min_score or shares:
            found.append(
                DuplicateSuggestion(
                    a.id, b.id, a.ref, b.ref, a.name, b.name, score, tuple(reasons), shares
                )
            )
    found.sort(key=lambda s: (-s.score, s.first_id, s.second_id))
    return found[:limit]


def _around(session: Session, customer_id: int) -> tuple[dict[int, Profile], set[tuple[int, int]]]:
    root = roots_of(session, [customer_id])[customer_id]
    me = load_profiles(session, [root]).get(root)
    if me is None:
        return {}, set()
    others = _neighbours(session, me)
    profiles = load_profiles(session, others | {root})
    pairs = {tuple(sorted((root, other))) for other in profiles if other != root}
    return profiles, pairs  # type: ignore[return-value]


def _neighbours(session: Session, me: Profile) -> set[int]:
    """Profiles sharing an identity, an email name or a name block with ``me`` (indexed)."""
    ids: set[int] = set()
    for kind, value in me.identities:
        query = select(Identity.customer_id).where(Identity.kind == kind, Identity.value == value)
        ids.update(session.scalars(query))
    for name in _email_names(me):
        query = select(Identity.customer_id).where(
            Identity.kind == IdentityKind.EMAIL.value,
            Identity.value >= f"{name}@",
            Identity.value < f"{name}A",  # "A" sorts right after "@"
        )
        ids.update(session.scalars(query.limit(MAX_BLOCK)))
    tokens = me.name_key.split()
    if tokens:
        prefix = tokens[0][:3]
        query = select(Customer.id).where(
            Customer.name_key >= prefix, Customer.name_key < prefix + "\uffff"
        )
        ids.update(session.scalars(query.limit(MAX_BLOCK)))
    return set(roots_of(session, ids).values()) - {me.id}

"""Decide which customer an incoming record or call belongs to, creating one when nobody matches.

The rule, in order (documented in docs/interchange.md):

1. a SayOnce ``ref`` (``C-000123``) names the profile exactly;
2. otherwise every identity the record carries (its source's external id, phones, emails,
   handles, account and loyalty ids, all normalized) is looked up exactly. Matches are grouped
   by merge cluster. One cluster: attach to it. Several clusters: attach to the one matching
   the most identities, then the oldest, and report the others as *candidates* — the profiles
   share an identity, so ``sayonce duplicates`` always lists them for a person to decide;
3. with no identity, a name that exactly matches one profile attaches to it (several: none);
4. nobody: a new profile, flagged ``unverified``, that can later be merged into a real one.

Within a cluster the record attaches to the profile that owns the identity (the root when it
owns one), so undoing a merge gives every profile back exactly its own history. Lookups are
cached per import and loaded in bulk (:meth:`Resolver.prefetch`); new profiles and identities
are queued and written in bulk by :meth:`Resolver.flush`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from sayonce.identity.bulk import IdAllocator, insert_rows
from sayonce.identity.normalize import name_key
from sayonce.store.base import utcnow
from sayonce.store.customers import Customer, Identity, IdentityKind

Key = tuple[str, str]  # (identity kind, normalized value)
_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
_IDENTITIES: Table = Identity.__table__  # type: ignore[assignment]
_CHUNK = 500
UNVERIFIED_NAME = "Unverified contact"


def customer_ref(customer_id: int) -> str:
    """The human-facing id of a profile, e.g. ``C-000123``."""
    return f"C-{customer_id:06d}"


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """How a record names its customer; any combination of the fields."""

    ref: str | None = None  # SayOnce ref, C-000123
    keys: tuple[Key, ...] = ()  # normalized identities, the source's external id first
    name: str | None = None  # display name, for name-only matching and new profiles

    @property
    def is_empty(self) -> bool:
        """Whether nothing names a customer."""
        return not (self.ref or self.keys or self.name)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Which profile a reference resolved to, and how."""

    customer_id: int | None
    how: str  # "ref", "phone", "external", "name", "new profile", ...
    created: bool = False
    candidates: tuple[int, ...] = ()  # roots of every matching cluster when several matched
    error: str | None = None


@dataclass(slots=True)
class _Profile:
    parent: int | None
    erased: bool


@dataclass(slots=True)
class _Pending:
    customers: list[dict[str, Any]] = field(default_factory=list)
    identities: list[dict[str, Any]] = field(default_factory=list)


class Resolver:
    """Resolves references inside one write transaction, with per-import caches."""

    def __init__(self, session: Session, *, source: str, ids: IdAllocator | None = None) -> None:
        """Resolve for ``session``; identities learned are recorded as from ``source``.

        ``source`` may be changed between records (each record names its own).
        """
        self.session = session
        self.source = source
        self.ids = ids or IdAllocator(session)
        self.created: set[int] = set()
        self._owners: dict[Key, set[int]] = {}
        self._profiles: dict[int, _Profile] = {}
        self._refs: dict[str, int | None] = {}
        self._names: dict[str, list[int]] = {}
        self._pending = _Pending()
        self._pending_by_id: dict[int, dict[str, Any]] = {}
        self._externals: dict[int, set[str]] = {}  # stored external ids, loaded on demand
        self._new_externals: dict[int, set[str]] = {}  # added by this import

    # -- loading -------------------------------------------------------------------------

    def prefetch(self, refs: Iterable[CustomerRef]) -> None:
        """Load, in a few bulk queries, everything needed to resolve ``refs``."""
        refs = list(refs)
        by_kind: dict[str, set[str]] = {}
        for ref in refs:
            for kind, value in ref.keys:
                if (kind, value) not in self._owners:
                    by_kind.setdefault(kind, set()).add(value)
        for kind, values in by_kind.items():
            self._load_identities(kind, sorted(values))
        self._load_refs({r.ref for r in refs if r.ref and r.ref not in self._refs})
        names = {name_key(r.name) for r in refs if r.name and not r.keys and not r.ref}
        self._load_names({n for n in names if n and n not in self._names})
        owners = {cid for ref in refs for key in ref.keys for cid in self._owners.get(key, ())}
        self._load_profiles(owners)

    def _load_identities(self, kind: str, values: list[str]) -> None:
        for value in values:
            self._owners[(kind, value)] = set()
        for start in range(0, len(values), _CHUNK):
            rows = self.session.execute(
                select(Identity.value, Identity.customer_id).where(
                    Identity.kind == kind, Identity.value.in_(values[start : start + _CHUNK])
                )
            )
            for value, customer_id in rows:
                self._owners[(kind, value)].add(customer_id)

    def _load_refs(self, refs: set[str]) -> None:
        wanted = sorted(refs)
        for ref in wanted:
            self._refs[ref] = None
        for start in range(0, len(wanted), _CHUNK):
            query = select(Customer.ref, Customer.id).where(
                Customer.ref.in_(wanted[start : start + _CHUNK])
            )
            self._refs.update({row.ref: row.id for row in self.session.execute(query)})
        self._load_profiles({cid for cid in self._refs.values() if cid is not None})

    def _load_names(self, keys: set[str]) -> None:
        wanted = sorted(keys)
        for key in wanted:
            self._names[key] = []
        for start in range(0, len(wanted), _CHUNK):
            query = select(Customer.name_key, Customer.id).where(
                Customer.name_key.in_(wanted[start : start + _CHUNK]),
                Customer.merged_into_id.is_(None),
                Customer.erased_at.is_(None),
            )
            for row in self.session.execute(query):
                self._names[row.name_key].append(row.id)

    def _load_profiles(self, ids: set[int]) -> None:
        frontier = sorted(i for i in ids if i not in self._profiles)
        while frontier:
            parents: set[int] = set()
            for start in range(0, len(frontier), _CHUNK):
                query = select(Customer.id, Customer.merged_into_id, Customer.erased_at).where(
                    Customer.id.in_(frontier[start : start + _CHUNK])
                )
                for row in self.session.execute(query):
                    self._profiles[row.id] = _Profile(row.merged_into_id, row.erased_at is not None)
                    if row.merged_into_id is not None:
                        parents.add(row.merged_into_id)
            frontier = sorted(p for p in parents if p not in self._profiles)

    # -- questions -----------------------------------------------------------------------

    def owners(self, key: Key) -> set[int]:
        """Profiles that own the identity ``key`` (load it first with :meth:`prefetch`)."""
        if key not in self._owners:
            self._load_identities(key[0], [key[1]])
            self._load_profiles(self._owners[key])
        return self._owners[key]

    def root(self, customer_id: int) -> int:
        """The root of ``customer_id``'s merge cluster."""
        current, seen = customer_id, {customer_id}
        while True:
            if current not in self._profiles:
                self._load_profiles({current})
            profile = self._profiles.get(current)
            if profile is None or profile.parent is None or profile.parent in seen:
                return current
            seen.add(profile.parent)
            current = profile.parent

    def external_ids(self, customer_id: int) -> set[str]:
        """The ``SOURCE:ID`` external identities a profile owns."""
        if customer_id not in self._externals:
            query = select(Identity.value).where(
                Identity.customer_id == customer_id, Identity.kind == IdentityKind.EXTERNAL.value
            )
            self._externals[customer_id] = set(self.session.scalars(query))
        return self._externals[customer_id] | self._new_externals.get(customer_id, set())

    def is_erased(self, customer_id: int) -> bool:
        """Whether the profile (or its root) was erased on a privacy request."""
        return any(
            self._profiles.get(cid, _Profile(None, False)).erased
            for cid in (customer_id, self.root(customer_id))
        )

    # -- resolving -----------------------------------------------------------------------

    def resolve(self, ref: CustomerRef, *, create: bool = True, learn: bool = True) -> Resolution:
        """The profile ``ref`` names; a new unverified one when nobody matches and ``create``.

        With ``learn``, identities of ``ref`` that nobody owns yet are added to the profile
        it resolved to unambiguously (the source says they belong together).
        """
        if ref.ref:
            found = self._refs.get(ref.ref) if ref.ref in self._refs else self._ref(ref.ref)
            if found is None:
                return Resolution(None, "ref", error=f"no customer with ref {ref.ref!r}")
            return self._checked(Resolution(found, "ref"))
        if ref.keys:
            match = self._by_identities(ref, learn)
            if match is not None:
                return self._checked(match)
        elif ref.name:
            roots = self._names_for(ref.name)
            if len(roots) == 1:
                return self._checked(Resolution(roots[0], "name"))
        if not create:
            return Resolution(None, "none")
        customer_id = self.create(
            {"display_name": ref.name or UNVERIFIED_NAME, "name_key": name_key(ref.name)},
            ref.keys,
            unverified=True,
        )
        return Resolution(customer_id, "new profile", created=True)

    def _ref(self, ref: str) -> int | None:
        self._load_refs({ref})
        return self._refs.get(ref)

    def _names_for(self, name: str) -> list[int]:
        key = name_key(name)
        if key and key not in self._names:
            self._load_names({key})
        return self._names.get(key, [])

    def _checked(self, resolution: Resolution) -> Resolution:
        cid = resolution.customer_id
        if cid is not None and self.is_erased(cid):
            return Resolution(None, resolution.how, error="the customer's data was erased")
        return resolution

    def _by_identities(self, ref: CustomerRef, learn: bool) -> Resolution | None:
        hits: dict[int, dict[int, list[Key]]] = {}  # root -> owner -> keys it matched
        for key in ref.keys:
            for owner in self.owners(key):
                hits.setdefault(self.root(owner), {}).setdefault(owner, []).append(key)
        if not hits:
            return None

        def strength(root: int) -> tuple[int, int]:
            matched = {key for keys in hits[root].values() for key in keys}
            return (-len(matched), root)

        ranked = sorted(hits, key=strength)
        chosen = ranked[0]
        owners = hits[chosen]
        owner = chosen if chosen in owners else min(owners)
        how = owners[owner][0][0]
        if len(ranked) > 1:
            return Resolution(owner, how, candidates=tuple(ranked))
        if learn:
            self.add_identities(owner, [k for k in ref.keys if not self.owners(k)], verified=False)
        return Resolution(owner, how)

    def pending_profile(self, customer_id: int) -> dict[str, Any] | None:
        """The queued (not yet written) row of a new profile, to amend before :meth:`flush`."""
        return self._pending_by_id.get(customer_id)

    # -- writing (queued, then flushed in bulk) ------------------------------------------

    def create(
        self,
        fields: dict[str, Any],
        keys: Iterable[Key],
        *,
        unverified: bool,
        verified_ids: bool = False,
        raw: dict[Key, str] | None = None,
    ) -> int:
        """Queue a new profile with ``fields`` and identities ``keys``; return its id."""
        (customer_id,) = self.ids.take(Customer.__table__, 1)  # type: ignore[arg-type]
        now = utcnow()
        row = {
            "id": customer_id,
            "ref": customer_ref(customer_id),
            "display_name": "",
            "name_key": "",
            "unverified": unverified,
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        self._pending.customers.append(row)
        self._pending_by_id[customer_id] = row
        self._profiles[customer_id] = _Profile(None, False)
        self.created.add(customer_id)
        if row["name_key"]:
            self._names.setdefault(row["name_key"], []).append(customer_id)
        self.add_identities(customer_id, keys, verified=verified_ids, raw=raw)
        return customer_id

    def add_identities(
        self,
        customer_id: int,
        keys: Iterable[Key],
        *,
        verified: bool,
        raw: dict[Key, str] | None = None,
    ) -> int:
        """Queue identities for ``customer_id`` that it does not own yet; return how many."""
        added = 0
        for key in keys:
            owners = self.owners(key)
            if customer_id in owners:
                continue
            owners.add(customer_id)
            if key[0] == IdentityKind.EXTERNAL.value:
                self._new_externals.setdefault(customer_id, set()).add(key[1])
            self._pending.identities.append(
                {
                    "customer_id": customer_id,
                    "kind": key[0],
                    "value": key[1],
                    "raw": (raw or {}).get(key),
                    "source": self.source,
                    "verified": verified,
                    "created_at": utcnow(),
                }
            )
            added += 1
        return added

    def flush(self) -> None:
        """Write queued profiles, then queued identities, with one ``executemany`` each."""
        customers, identities = self._pending.customers, self._pending.identities
        self._pending, self._pending_by_id = _Pending(), {}
        if customers:
            self._avoid_ref_clashes(customers)
            insert_rows(self.session, _CUSTOMERS, _uniform(customers))
        if identities:
            insert_rows(self.session, _IDENTITIES, identities)

    def _avoid_ref_clashes(self, rows: list[dict[str, Any]]) -> None:
        # Another writer (a demo seed, an older import) may have used "C-<n>" for another id.
        refs = [row["ref"] for row in rows]
        taken: set[str] = set()
        for start in range(0, len(refs), _CHUNK):
            query = select(Customer.ref).where(Customer.ref.in_(refs[start : start + _CHUNK]))
            taken.update(self.session.scalars(query))
        for row in rows:
            if row["ref"] in taken:
                row["ref"] = f"{row['ref']}-{row['id']}"


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # executemany needs the same keys in every row; missing ones take the column default.
    keys = set().union(*(row.keys() for row in rows))
    defaults = {}
    for column in _CUSTOMERS.columns:
        value = getattr(column.default, "arg", None)
        if value is not None and not callable(value):
            defaults[column.key] = value
    return [{k: row.get(k, defaults.get(k)) for k in keys} for row in rows]

"""Apply ``customer`` records: create, update or attach profiles, never destroying anything.

* The record's own external id (``SOURCE:ID``) is known → that profile is the source's record
  and is updated with whatever the record says (``updated``, or ``skipped`` when identical).
* Otherwise one of its phones, emails, handles or ids is known → the record is attached to
  that profile (``merged``): its identities are added and only empty fields are filled, so
  one source never overwrites what another said. An ``unverified`` placeholder (an unknown
  caller) takes every field and becomes verified.
* Nobody → a new profile (``created``).

Consent is only ever narrowed by an import: a customer who opted out in SayOnce stays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from sayonce.identity.normalize import name_key
from sayonce.identity.resolve import CustomerRef, Key, Resolver
from sayonce.intake.records import CustomerRecord, external_key
from sayonce.store.base import utcnow
from sayonce.store.customers import Customer

PROFILE_FIELDS = (
    "given_name",
    "family_name",
    "birthday",
    "language",
    "city",
    "postcode",
    "country",
    "tier",
    "segment",
    "preferred_channel",
    "consent_personalization",
    "consent_marketing",
    "value_score",
    "potential_score",
)
_LOADED = ("display_name", "name_key", "unverified", "opted_out_at", *PROFILE_FIELDS)
_CONSENT = ("consent_personalization", "consent_marketing")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Applied:
    """What became of one customer record."""

    outcome: str  # created / updated / merged / skipped / rejected
    customer_id: int | None = None
    error: str | None = None
    candidates: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Plan:
    mode: str  # own / attach / new / error
    source: str
    target: int | None
    fields: dict[str, Any]
    keys: list[Key]
    candidates: tuple[int, ...] = ()
    error: str | None = None


def profile_fields(record: CustomerRecord) -> dict[str, Any]:
    """The profile columns a record sets (only those it gives)."""
    fields = {name: getattr(record, name) for name in PROFILE_FIELDS}
    fields = {name: value for name, value in fields.items() if value is not None}
    if "country" in fields:
        fields["country"] = fields["country"].upper()
    given, family = record.given_name, record.family_name
    display = record.name or " ".join(p for p in (given, family) if p)
    if display:
        fields["display_name"] = display
        fields["name_key"] = name_key(given, family) if (given or family) else name_key(display)
    return fields


class ProfileWriter:
    """Applies customer records inside the import's transaction."""

    def __init__(self, session: Session, resolver: Resolver) -> None:
        """Write through ``session``; find and create profiles with ``resolver``."""
        self.session = session
        self.resolver = resolver

    def apply(self, items: list[tuple[CustomerRecord, str]]) -> list[Applied]:
        """Apply ``(record, source)`` pairs in order; one :class:`Applied` per record."""
        refs = [
            CustomerRef(keys=(external_key(src, rec.id), *rec.identity_keys()))
            for rec, src in items
        ]
        self.resolver.prefetch(refs)
        plans = [self._plan(rec, src) for rec, src in items]
        stored = self._load({p.target for p in plans if p.mode in {"own", "attach"}})
        return [self._execute(plan, stored) for plan in plans]

    def _plan(self, record: CustomerRecord, source: str) -> _Plan:
        self.resolver.source = source
        own = external_key(source, record.id)
        keys = [own, *record.identity_keys()]
        fields = profile_fields(record)
        owners = self.resolver.owners(own)
        if owners:
            target = min(owners)
            if self.resolver.is_erased(target):
                return _Plan(
                    "error", source, None, fields, keys, error="the customer's data was erased"
                )
            return _Plan("own", source, target, fields, keys)
        if len(keys) > 1:
            found = self.resolver.resolve(
                CustomerRef(keys=tuple(keys[1:])), create=False, learn=False
            )
            if found.error:
                return _Plan("error", source, None, fields, keys, error=found.error)
            if found.customer_id is not None and not self._other_record(found.customer_id, own):
                return _Plan("attach", source, found.customer_id, fields, keys, found.candidates)
        target = self.resolver.create(fields, keys, unverified=False, verified_ids=True)
        return _Plan("new", source, target, fields, keys)

    def _other_record(self, customer_id: int, own: Key) -> bool:
        # The profile already is another record of the same source: the source keeps them
        # apart, so do we (sayonce duplicates will show the pair, sharing an identity).
        prefix = own[1].partition(":")[0] + ":"
        return any(value.startswith(prefix) for value in self.resolver.external_ids(customer_id))

    def _load(self, ids: set[int | None]) -> dict[int, dict[str, Any]]:
        wanted = sorted(i for i in ids if i is not None and not self.resolver.pending_profile(i))
        columns = [Customer.id, *(getattr(Customer, name) for name in _LOADED)]
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = select(*columns).where(Customer.id.in_(wanted[start : start + _CHUNK]))
            found.update({row.id: dict(row._mapping) for row in self.session.execute(query)})
        return found

    def _execute(self, plan: _Plan, stored: dict[int, dict[str, Any]]) -> Applied:
        if plan.mode == "error" or plan.target is None:
            return Applied("rejected", error=plan.error)
        if plan.mode == "new":
            return Applied("created", plan.target)
        pending = self.resolver.pending_profile(plan.target)
        current = pending if pending is not None else stored.get(plan.target, {})
        changes = self._changes(plan, current)
        self.resolver.source = plan.source
        added = self.resolver.add_identities(plan.target, plan.keys, verified=True)
        if pending is not None:
            pending.update(changes)
        elif changes:
            self._update(plan.target, changes)
        return Applied(
            self._outcome(plan, bool(changes or added)), plan.target, None, plan.candidates
        )

    def _changes(self, plan: _Plan, current: dict[str, Any]) -> dict[str, Any]:
        placeholder = bool(current.get("unverified"))
        if plan.mode == "own" or placeholder:
            changes = {k: v for k, v in plan.fields.items() if current.get(k) != v}
        else:
            changes = {k: v for k, v in plan.fields.items() if current.get(k) in (None, "")}
        if current.get("opted_out_at") is not None:
            for name in _CONSENT:
                if changes.get(name):
                    del changes[name]
        if placeholder:
            changes["unverified"] = False
        return changes

    def _outcome(self, plan: _Plan, changed: bool) -> str:
        if plan.mode == "attach":
            return "merged"
        if plan.target in self.resolver.created:
            return "created"
        return "updated" if changed else "skipped"

    def _update(self, customer_id: int, changes: dict[str, Any]) -> None:
        table: Table = Customer.__table__  # type: ignore[assignment]
        self.session.execute(
            update(table)
            .where(table.c.id == customer_id)
            .values(**changes, updated_at=utcnow(), version=table.c.version + 1)
        )

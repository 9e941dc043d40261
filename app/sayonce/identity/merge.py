"""Merge two profiles without destroying anything, explain it, and undo it exactly.

A merge points the absorbed cluster's root at the survivor (``merged_into_id``): history,
identities and notes stay where they are and every query covers the cluster. The survivor
may take what it lacks (empty profile fields) and consent is narrowed to what both allowed;
each change is kept in the merge record's snapshot. Undo restores each field the merge set
*unless someone edited it since* (that edit is kept and reported), and unlinks the profiles.
Merges, undos and "never merge" decisions need ``MERGE_CUSTOMERS`` and are audited (ids only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.identity.cluster import members, root_of
from sayonce.identity.duplicates import load_profiles, score_pair
from sayonce.identity.resolve import UNVERIFIED_NAME
from sayonce.store.base import utcnow
from sayonce.store.commerce import CampaignEvent, Case, LoyaltyEvent, Note, Order, SurveyResponse
from sayonce.store.customers import Customer, MergeRecord, NeverMerge
from sayonce.store.interactions import Fact, Interaction
from sayonce.trust import audit
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

FILLABLE = (
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
)
_HISTORY: dict[str, Any] = {
    "interactions": Interaction,
    "orders": Order,
    "surveys": SurveyResponse,
    "loyalty events": LoyaltyEvent,
    "campaign events": CampaignEvent,
    "cases": Case,
    "notes": Note,
    "facts": Fact,
}


class MergeError(ValueError):
    """A merge or undo that cannot be done (the message says why and what to do)."""


@dataclass(frozen=True, slots=True)
class MergePreview:
    """What a merge would do, before anyone decides."""

    survivor_id: int
    absorbed_id: int
    survivor_ref: str
    absorbed_ref: str
    joins: dict[str, int]  # history of the absorbed cluster that will show on the survivor
    identities: tuple[str, ...]  # "kind value" of the absorbed cluster, new to the survivor
    changes: dict[str, tuple[Any, Any]]  # survivor field: (now, after the merge)
    score: float
    reasons: tuple[str, ...]
    blockers: tuple[str, ...] = ()

    @property
    def possible(self) -> bool:
        """Whether nothing blocks the merge."""
        return not self.blockers


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What an undo restored, and the fields it left alone because they were edited since."""

    merge_id: int
    restored: tuple[str, ...]
    kept: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MergeEntry:
    """One line of the merge log."""

    id: int
    survivor_ref: str
    absorbed_ref: str
    score: float | None
    reasons: tuple[str, ...]
    actor: str | None
    at: datetime
    undone_at: datetime | None
    undone_by: str | None
    snapshot: dict[str, Any] = field(default_factory=dict)


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decode(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "birthday":
        return date.fromisoformat(value)
    if name == "opted_out_at":
        return datetime.fromisoformat(value)
    return value


def _planned_changes(survivor: Customer, absorbed: Customer) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for name in FILLABLE:
        mine, theirs = getattr(survivor, name), getattr(absorbed, name)
        if mine in (None, "") and theirs not in (None, ""):
            changes[name] = (mine, theirs)
    if survivor.unverified and not absorbed.unverified:
        changes["unverified"] = (True, False)
        if survivor.display_name in ("", UNVERIFIED_NAME) and absorbed.display_name:
            changes["display_name"] = (survivor.display_name, absorbed.display_name)
            changes["name_key"] = (survivor.name_key, absorbed.name_key)
    for name in ("consent_personalization", "consent_marketing"):
        # consent only ever narrows; an unverified placeholder never stated any
        if getattr(survivor, name) and not getattr(absorbed, name) and not absorbed.unverified:
            changes[name] = (True, False)
    if survivor.opted_out_at is None and absorbed.opted_out_at is not None:
        changes["opted_out_at"] = (None, absorbed.opted_out_at)
    return changes


def _blockers(session: Session, survivor: Customer, absorbed: Customer) -> list[str]:
    found = []
    if survivor.id == absorbed.id:
        found.append(f"{survivor.ref} and {absorbed.ref} are already one profile")
    for profile in (survivor, absorbed):
        if profile.erased_at is not None:
            found.append(f"{profile.ref} was erased on a privacy request")
    pair = _never_pair(session, survivor.id, absorbed.id)
    if pair:
        found.append(f"marked as different people (never merge {pair})")
    return found


def _never_pair(session: Session, root_a: int, root_b: int) -> str | None:
    side_a, side_b = set(members(session, root_a)), set(members(session, root_b))
    both = sorted(side_a | side_b)
    rows = session.execute(
        select(NeverMerge.low_id, NeverMerge.high_id).where(
            NeverMerge.low_id.in_(both), NeverMerge.high_id.in_(both)
        )
    )
    for low, high in rows:
        if (low in side_a and high in side_b) or (low in side_b and high in side_a):
            refs = dict(
                session.execute(
                    select(Customer.id, Customer.ref).where(Customer.id.in_([low, high]))
                ).all()
            )
            return f"{refs[low]} / {refs[high]}"
    return None


def _lock_roots(session: Session, survivor_id: int, absorbed_id: int) -> None:
    """Lock both roots (PostgreSQL; SQLite writers are serialized already) and re-check them.

    Without this, "A into B" and "B into A" on two workstations could both commit (a cycle).
    """
    roots = sorted({root_of(session, survivor_id), root_of(session, absorbed_id)})
    for root in roots:  # in id order, so two merges cannot deadlock
        session.get(Customer, root, with_for_update=True, populate_existing=True)
    again = sorted({root_of(session, survivor_id), root_of(session, absorbed_id)})
    if again != roots:
        raise MergeError("one of these profiles was merged meanwhile; look at them again")


def _roots(session: Session, survivor_id: int, absorbed_id: int) -> tuple[Customer, Customer]:
    survivor = session.get(Customer, root_of(session, survivor_id))
    absorbed = session.get(Customer, root_of(session, absorbed_id))
    if survivor is None or absorbed is None:
        missing = survivor_id if survivor is None else absorbed_id
        raise MergeError(f"no customer with id {missing}")
    return survivor, absorbed


def preview(session: Session, survivor_id: int, absorbed_id: int) -> MergePreview:
    """What merging ``absorbed_id``'s cluster into ``survivor_id``'s would change."""
    survivor, absorbed = _roots(session, survivor_id, absorbed_id)
    absorbed_side = members(session, absorbed.id)
    joins = {
        label: session.scalar(
            select(func.count()).select_from(model).where(model.customer_id.in_(absorbed_side))
        )
        or 0
        for label, model in _HISTORY.items()
    }
    profiles = load_profiles(session, [survivor.id, absorbed.id])
    mine, theirs = profiles.get(survivor.id), profiles.get(absorbed.id)
    score, reasons = 0.0, list[str]()
    new_ids: list[str] = []
    if mine and theirs:
        score, reasons, _ = score_pair(mine, theirs)
        new_ids = [f"{k} {v}" for k, v in sorted(theirs.identities - mine.identities)]
    return MergePreview(
        survivor.id,
        absorbed.id,
        survivor.ref,
        absorbed.ref,
        {k: v for k, v in joins.items() if v},
        tuple(new_ids),
        _planned_changes(survivor, absorbed),
        score,
        tuple(reasons),
        tuple(_blockers(session, survivor, absorbed)),
    )


def merge(
    session: Session,
    principal: Principal,
    survivor_id: int,
    absorbed_id: int,
    *,
    reasons: list[str] | None = None,
) -> int:
    """Merge ``absorbed_id``'s cluster into ``survivor_id``'s; return the merge record's id."""
    require(principal, Permission.MERGE_CUSTOMERS)
    _lock_roots(session, survivor_id, absorbed_id)
    plan = preview(session, survivor_id, absorbed_id)
    if not plan.possible:
        raise MergeError(f"cannot merge: {'; '.join(plan.blockers)}")
    survivor, absorbed = _roots(session, survivor_id, absorbed_id)
    survivor.updated_at = utcnow()  # touched even with no field to fill: concurrent merges clash
    for name, (_, after) in plan.changes.items():
        setattr(survivor, name, after)
    absorbed.merged_into_id = survivor.id
    snapshot = {
        "before": {k: _encode(before) for k, (before, _) in plan.changes.items()},
        "after": {k: _encode(after) for k, (_, after) in plan.changes.items()},
    }
    record = MergeRecord(
        survivor_id=survivor.id,
        absorbed_id=absorbed.id,
        score=plan.score,
        reasons=json.dumps(list(reasons or plan.reasons), ensure_ascii=False),
        snapshot=json.dumps(snapshot, ensure_ascii=False),
        actor=principal.username,
    )
    session.add(record)
    session.flush()
    detail = {"merge_id": record.id, "survivor_id": survivor.id, "absorbed_id": absorbed.id}
    audit.record(session, principal, audit.AuditAction.MERGE, "customer", survivor.id, detail)
    return record.id


def undo(session: Session, principal: Principal, merge_id: int) -> UndoResult:
    """Undo merge ``merge_id``: unlink the profiles and restore what the merge set."""
    require(principal, Permission.MERGE_CUSTOMERS)
    record = session.get(MergeRecord, merge_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise MergeError(f"no merge with id {merge_id}")
    if record.undone_at is not None:
        raise MergeError(f"merge {merge_id} was already undone by {record.undone_by}")
    survivor = session.get(Customer, record.survivor_id)
    absorbed = session.get(Customer, record.absorbed_id)
    assert survivor is not None and absorbed is not None
    if absorbed.merged_into_id != survivor.id:
        raise MergeError(f"merge {merge_id} no longer holds: the profiles were relinked since")
    snapshot = json.loads(record.snapshot)
    restored, kept = [], []
    for name, after in snapshot.get("after", {}).items():
        if _encode(getattr(survivor, name)) == after:
            setattr(survivor, name, _decode(name, snapshot["before"].get(name)))
            restored.append(name)
        else:
            kept.append(name)
    absorbed.merged_into_id = None
    record.undone_at = utcnow()
    record.undone_by = principal.username
    session.flush()
    detail = {"merge_id": merge_id, "survivor_id": survivor.id, "absorbed_id": absorbed.id}
    audit.record(session, principal, audit.AuditAction.UNMERGE, "customer", survivor.id, detail)
    return UndoResult(merge_id, tuple(restored), tuple(kept))


def never_merge(
    session: Session, principal: Principal, first_id: int, second_id: int, reason: str | None = None
) -> None:
    """Record that two profiles are different people: never suggested or merged again."""
    require(principal, Permission.MERGE_CUSTOMERS)
    if root_of(session, first_id) == root_of(session, second_id):
        raise MergeError("these profiles are merged: undo the merge first (sayonce merges)")
    low, high = sorted((first_id, second_id))
    exists = session.scalar(
        select(NeverMerge.id).where(NeverMerge.low_id == low, NeverMerge.high_id == high)
    )
    if exists is None:
        session.add(NeverMerge(low_id=low, high_id=high, reason=reason, actor=principal.username))
        session.flush()
        detail = {"low_id": low, "high_id": high}
        audit.record(session, principal, "customer.never_merge", "customer", low, detail)


def merge_log(
    session: Session, customer_id: int | None = None, limit: int = 100
) -> list[MergeEntry]:
    """Merges, newest first: all, or those touching ``customer_id``'s cluster."""
    query = select(MergeRecord).order_by(MergeRecord.id.desc()).limit(limit)
    if customer_id is not None:
        side = members(session, root_of(session, customer_id))
        query = query.where(MergeRecord.survivor_id.in_(side) | MergeRecord.absorbed_id.in_(side))
    records = session.scalars(query).all()
    ids = {i for r in records for i in (r.survivor_id, r.absorbed_id)}
    refs = dict(
        session.execute(select(Customer.id, Customer.ref).where(Customer.id.in_(ids))).all()
    )
    return [
        MergeEntry(
            r.id,
            refs.get(r.survivor_id, str(r.survivor_id)),
            refs.get(r.absorbed_id, str(r.absorbed_id)),
            r.score,
            tuple(json.loads(r.reasons)),
            r.actor,
            r.at,
            r.undone_at,
            r.undone_by,
            json.loads(r.snapshot),
        )
        for r in records
    ]

"""The audit log: append-only and hash-chained, so an edited or deleted row is detected.

Each row's ``hash`` is ``sha256(prev_hash + canonical JSON of its fields)``; the first row's
``prev_hash`` is 64 zeros. Appends are serialized so the chain stays a single line even when
many workstations write at once: SQLite writers already queue on ``BEGIN IMMEDIATE``, and on
PostgreSQL a transaction-level advisory lock is taken before the last hash is read. The
database itself refuses UPDATE and DELETE on the table (migration ``0003_audit_guard``).

Audit rows hold ids, never personal data: an erasure must not have to rewrite the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sayonce.store.agents import AuditEvent
from sayonce.store.base import utcnow
from sayonce.trust.principal import Principal

GENESIS_HASH = "0" * 64
# Arbitrary constant shared by every SayOnce process: the key of the PostgreSQL advisory lock.
AUDIT_LOCK_KEY = 0x5A_4F_A0D1


class AuditAction(StrEnum):
    """The actions the log records (``action`` accepts any string; these are the usual ones)."""

    PROFILE_VIEW = "profile.view"
    PROFILE_EDIT = "profile.edit"
    EXPORT = "privacy.export"
    ERASE = "privacy.erase"
    CONSENT = "consent.change"
    MERGE = "customer.merge"
    UNMERGE = "customer.unmerge"
    PLAYBOOK_EDIT = "playbook.edit"
    APPROVE = "suggestion.approve"
    REJECT = "suggestion.reject"
    REVIEW = "suggestion.review"
    IMPORT = "data.import"
    SIGN_IN = "user.sign_in"
    SIGN_IN_FAILED = "user.sign_in_failed"
    USER_ADD = "user.add"
    USER_CHANGE = "user.change"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome of :func:`verify`: ``first_bad_id`` and ``reason`` are set when ``ok`` is false."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    head: str = GENESIS_HASH  # hash of the last row checked: note it down to detect truncation


def canonical_time(at: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, the same on every backend."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_detail(detail: dict[str, Any] | None) -> str:
    """Sorted, compact JSON: the exact text stored and hashed."""
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    target_kind: str | None,
    target_id: str | None,
    detail: str,
) -> str:
    """The hash of one row given the previous row's hash."""
    fields = {
        "action": action,
        "actor": actor,
        "at": canonical_time(at),
        "detail": detail,
        "target_id": target_id,
        "target_kind": target_kind,
    }
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    # Held until the transaction ends, so nobody else can read the same "last hash".
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def _last_hash(session: Session) -> str:
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def record(
    session: Session,
    actor: Principal | str,
    action: str,
    target_kind: str | None = None,
    target_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's write transaction (it commits or rolls back with it).

    ``detail`` must hold ids and codes only, never names, phones, emails or free text.
    """
    session.flush()  # the caller's own pending rows first, so the lock is taken last and briefly
    _lock_chain(session)
    prev = _last_hash(session)
    at = utcnow()
    who = actor.username if isinstance(actor, Principal) else actor
    target = None if target_id is None else str(target_id)
    body = canonical_detail(detail)
    event = AuditEvent(
        at=at,
        actor=who,
        action=str(action),
        target_kind=target_kind,
        target_id=target,
        detail=body,
        prev_hash=prev,
        hash=chain_hash(prev, at, who, str(action), target_kind, target, body),
    )
    session.add(event)
    session.flush()
    return event


def _rows(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()  # keep memory flat on a long log


def _problem(row: AuditEvent, prev: str) -> str:
    if row.prev_hash != prev:
        return "its prev_hash does not match the row before it: a row was deleted or inserted"
    expected = chain_hash(
        prev, row.at, row.actor, row.action, row.target_kind, row.target_id, row.detail
    )
    if row.hash != expected:
        return "its contents do not match its hash: the row was altered"
    return ""


def verify(session: Session, expected_head: str | None = None) -> VerifyReport:
    """Walk the chain from the first row; report the first row that breaks it.

    Give ``expected_head`` (a ``head`` noted earlier) to also detect rows cut off the end.
    """
    prev, checked = GENESIS_HASH, 0
    seen_expected = expected_head is None or expected_head == GENESIS_HASH
    for row in _rows(session):
        problem = _problem(row, prev)
        if problem:
            return VerifyReport(False, checked, row.id, f"audit row {row.id}: {problem}", prev)
        prev, checked = row.hash, checked + 1
        seen_expected = seen_expected or row.hash == expected_head
    if not seen_expected:
        return VerifyReport(
            False, checked, None, "the head noted earlier is gone: rows were cut off the end", prev
        )
    return VerifyReport(True, checked, None, "", prev)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A plain snapshot of one audit row, for display and export."""

    id: int
    at: datetime
    actor: str
    action: str
    target_kind: str | None
    target_id: str | None
    detail: dict[str, Any]


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        row.id,
        row.at,
        row.actor,
        row.action,
        row.target_kind,
        row.target_id,
        json.loads(row.detail),
    )


def entries(
    session: Session,
    *,
    target_kind: str | None = None,
    target_ids: list[str] | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest entries first, filtered by target, actor or action."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if target_kind is not None:
        query = query.where(AuditEvent.target_kind == target_kind)
    if target_ids is not None:
        query = query.where(AuditEvent.target_id.in_(target_ids))
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return [_entry(row) for row in session.scalars(query)]

"""What other workstations wrote since we last looked: a cheap poll for a running app.

The UI calls :func:`changed_since` about once a second in a worker and redraws the profiles
in :attr:`ChangeSet.root_ids`. Each poll is a handful of index range scans:

* new rows of the history tables are found by id (``id > highest seen``). On PostgreSQL a
  transaction may commit a lower id after a higher one was seen, so ids skipped over are
  kept as *gaps* and looked at again until they appear (or for :data:`GAP_TTL_S`);
* edited profiles and notes are found by ``updated_at``. Workstation clocks differ, so each
  poll looks :data:`SKEW_WINDOW` back from the newest time seen and reports only rows whose
  ``(id, version)`` it has not reported yet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from sayonce.identity.cluster import roots_of
from sayonce.store.commerce import CampaignEvent, Case, LoyaltyEvent, Note, Order, SurveyResponse
from sayonce.store.customers import Customer
from sayonce.store.interactions import Fact, Interaction

SKEW_WINDOW = timedelta(seconds=120)
GAP_TTL_S = 600.0
MAX_GAPS = 64
MAX_ROWS = 10_000  # per table and poll; more are picked up by the next poll
_INSERTED = (Interaction, Order, SurveyResponse, LoyaltyEvent, CampaignEvent, Case, Fact)
_EDITED = (Customer, Note)


@dataclass(frozen=True, slots=True)
class IdCursor:
    """Highest id seen in one table, and ids skipped over that may still commit."""

    table: str
    high: int
    gaps: tuple[tuple[int, int, float], ...] = ()  # (first id, last id, noticed at monotonic)


@dataclass(frozen=True, slots=True)
class EditCursor:
    """Newest ``updated_at`` seen in one table, and the rows already reported near it."""

    table: str
    newest: datetime | None
    recent: frozenset[tuple[int, int]] = frozenset()  # (id, version)


@dataclass(frozen=True, slots=True)
class ChangeMarker:
    """Where the last poll got to. Keep it and pass it to the next poll."""

    ids: tuple[IdCursor, ...]
    edits: tuple[EditCursor, ...]


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Profiles touched since the marker, and the marker to use next time."""

    customer_ids: frozenset[int]  # profiles whose rows changed
    root_ids: frozenset[int]  # their merge-cluster roots: the profiles the UI shows
    new_interactions: int
    marker: ChangeMarker

    def __bool__(self) -> bool:
        """True when anything changed."""
        return bool(self.customer_ids)


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def latest_change_marker(session: Session) -> ChangeMarker:
    """A marker for "now": everything already written counts as seen."""
    ids = tuple(
        IdCursor(_table(m).name, session.scalar(select(func.max(_table(m).c.id))) or 0)
        for m in _INSERTED
    )
    edits = []
    for model in _EDITED:
        table = _table(model)
        newest = session.scalar(select(func.max(table.c.updated_at)))
        cursor = EditCursor(table.name, newest)
        _, cursor = _edited(session, table, cursor)
        edits.append(cursor)
    return ChangeMarker(ids, tuple(edits))


def changed_since(session: Session, marker: ChangeMarker) -> ChangeSet:
    """Profiles with new or edited rows since ``marker``."""
    customers: set[int] = set()
    new_interactions = 0
    cursors = []
    for model, cursor in zip(_INSERTED, marker.ids, strict=True):
        found, cursor = _inserted(session, _table(model), cursor)
        customers.update(found.values())
        if model is Interaction:
            new_interactions = len(found)
        cursors.append(cursor)
    edits = []
    for model, edit in zip(_EDITED, marker.edits, strict=True):
        touched, edit = _edited(session, _table(model), edit)
        customers |= touched
        edits.append(edit)
    roots = roots_of(session, customers) if customers else {}
    return ChangeSet(
        frozenset(customers),
        frozenset(roots.values()),
        new_interactions,
        ChangeMarker(tuple(cursors), tuple(edits)),
    )


def _inserted(session: Session, table: Table, cursor: IdCursor) -> tuple[dict[int, int], IdCursor]:
    """New rows (id → customer id) and the advanced cursor."""
    conditions = [table.c.id > cursor.high]
    conditions += [table.c.id.between(lo, hi) for lo, hi, _ in cursor.gaps]
    query = (
        select(table.c.id, table.c.customer_id)
        .where(or_(*conditions))
        .order_by(table.c.id)
        .limit(MAX_ROWS)
    )
    found = {row.id: row.customer_id for row in session.execute(query)}
    high = max([cursor.high, *(i for i in found if i > cursor.high)])
    if session.get_bind().dialect.name == "sqlite":
        return found, IdCursor(cursor.table, high)  # one writer at a time: no late commits
    return found, IdCursor(cursor.table, high, _gaps(cursor, found, high))


def _gaps(cursor: IdCursor, found: dict[int, int], high: int) -> tuple[tuple[int, int, float], ...]:
    now = time.monotonic()
    gaps: list[tuple[int, int, float]] = []
    for lo, hi, noticed in cursor.gaps:
        if now - noticed < GAP_TTL_S:
            gaps.extend(_holes(lo, hi, found, noticed))
    gaps.extend(_holes(cursor.high + 1, high, found, now))
    return tuple(gaps[-MAX_GAPS:])


def _holes(lo: int, hi: int, found: dict[int, int], noticed: float) -> list[tuple[int, int, float]]:
    holes: list[tuple[int, int, float]] = []
    start = None
    for i in range(lo, hi + 1) if hi - lo < 100_000 else ():
        if i in found:
            if start is not None:
                holes.append((start, i - 1, noticed))
                start = None
        elif start is None:
            start = i
    if start is not None:
        holes.append((start, hi, noticed))
    return holes


def _edited(session: Session, table: Table, cursor: EditCursor) -> tuple[set[int], EditCursor]:
    """Customers of rows edited since the cursor (not reported before), and the new cursor."""
    if cursor.newest is None:
        newest = session.scalar(select(func.max(table.c.updated_at)))
        if newest is None:
            return set(), cursor
        cursor = replace(cursor, newest=newest)
    assert cursor.newest is not None
    owner = table.c.id if table.name == "customers" else table.c.customer_id
    query = (
        select(table.c.id, table.c.version, table.c.updated_at, owner.label("owner"))
        .where(table.c.updated_at >= cursor.newest - SKEW_WINDOW)
        .order_by(table.c.updated_at.desc())
        .limit(MAX_ROWS)
    )
    rows = session.execute(query).all()
    touched = {row.owner for row in rows if (row.id, row.version) not in cursor.recent}
    newest = max([cursor.newest, *(row.updated_at for row in rows)])
    recent = frozenset(
        (row.id, row.version) for row in rows if row.updated_at >= newest - SKEW_WINDOW
    )
    return touched, EditCursor(cursor.table, newest, recent)

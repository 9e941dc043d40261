"""One chronological timeline of everything that happened with a customer, newest first.

Each source (interactions, notes, cases, orders, surveys, loyalty and campaign events) is read
with keyset pagination on its ``(customer_id, time, id)`` index and ``LIMIT n``, and the pages
are merged in Python, so a customer with 10,000 items opens as fast as one with 10. Items sort
by ``(at, rank, id)`` descending (``rank`` breaks ties between sources); a cursor is the last
item's key, which each source turns into its own ``(at, id) < (:at, :id)`` bound.

Statements are built once per shape (source, bound, filter) with bound parameters and reused:
building SQL objects costs far more than SQLite takes to answer these indexed queries.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select, true, tuple_
from sqlalchemy.orm import Session

from sayonce.history import sources
from sayonce.history.items import RANK, Cursor, TimelineFilter, TimelineItem
from sayonce.history.sources import Shape, Source, shape_of

PAGE_SIZE = 50
_BY_KIND = {source.kind: source for source in sources.ALL}


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """A page of items and the cursor to continue from (``None``: nothing older)."""

    items: list[TimelineItem]
    next_cursor: Cursor | None
    filter: TimelineFilter = field(default_factory=TimelineFilter)


def cursor_before(at: datetime) -> Cursor:
    """A cursor from which the timeline continues with everything older than ``at``."""
    return Cursor(at, max(RANK.values()) + 1, 0)


def _relation(source: Source, cursor: Cursor | None, older: bool) -> str:
    """How ``source``'s rows compare with ``cursor``: by time alone, or by (time, id)."""
    if cursor is None:
        return "all"
    if source.rank == cursor.rank:
        return "tuple"
    return "time-or-equal" if (source.rank < cursor.rank) == older else "time"


def _bound(source: Source, relation: str, older: bool) -> ColumnElement[bool]:
    at = bindparam("at", type_=source.at.type)
    if relation == "all":
        return true()
    if relation == "tuple":
        pair, mark = tuple_(source.at, source.pk), tuple_(at, bindparam("pk"))
        return pair < mark if older else pair > mark
    if relation == "time-or-equal":
        return source.at <= at if older else source.at >= at
    return source.at < at if older else source.at > at


@cache
def _statement(
    kind: str, dialect: str, single: bool, relation: str, shape: Shape, older: bool, limit: int
) -> Select[Any] | None:
    source = _BY_KIND[kind]
    extra = source.where(shape, dialect)
    if extra is None:
        return None
    # One id compares with "=", so the planner walks the (customer, time, id) index in order.
    owner = (
        source.owner == bindparam("owner")
        if single
        else source.owner.in_(bindparam("cluster", expanding=True))
    )
    order = (source.at.desc(), source.pk.desc()) if older else (source.at.asc(), source.pk.asc())
    stmt: Select[Any] = source.select().where(owner, _bound(source, relation, older), extra)
    return stmt.order_by(*order).limit(limit)


def _rows(
    session: Session,
    source: Source,
    cluster: Sequence[int],
    cursor: Cursor | None,
    flt: TimelineFilter,
    limit: int,
    *,
    older: bool = True,
) -> list[TimelineItem]:
    shape, values = shape_of(flt)
    dialect = session.get_bind().dialect.name
    relation = _relation(source, cursor, older)
    stmt = _statement(source.kind, dialect, len(cluster) == 1, relation, shape, older, limit)
    if stmt is None:
        return []
    params: dict[str, Any] = {**values, "owner": cluster[0], "cluster": list(cluster)}
    if cursor is not None:
        params.update(at=cursor.at, pk=cursor.id)
    # Core execution on the session's connection: plain rows, no ORM bookkeeping per row
    return [source.item(row) for row in session.connection().execute(stmt, params)]


def page(
    session: Session,
    cluster: Sequence[int],
    *,
    after: Cursor | None = None,
    flt: TimelineFilter | None = None,
    limit: int = PAGE_SIZE,
) -> TimelinePage:
    """The ``limit`` newest items of the customer ``cluster`` that come after ``after``."""
    flt = flt or TimelineFilter()
    # limit + 1 from each source: one row beyond the page tells whether there is more
    batches = [_rows(session, s, cluster, after, flt, limit + 1) for s in sources.ALL]
    merged = list(heapq.merge(*batches, key=lambda item: item.cursor, reverse=True))
    items = merged[:limit]
    more = len(merged) > limit
    return TimelinePage(items, items[-1].cursor if more else None, flt)


def newer_than(
    session: Session,
    cluster: Sequence[int],
    top: Cursor | None,
    flt: TimelineFilter | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[TimelineItem], bool]:
    """Items newer than ``top`` (written since it was shown), newest first.

    The flag says whether that is all of them (``False``: ``limit`` or more arrived from
    one source, so the caller should reload the first page instead).
    """
    flt = flt or TimelineFilter()
    found: list[TimelineItem] = []
    complete = True
    for source in sources.ALL:
        rows = _rows(session, source, cluster, top, flt, limit, older=False)
        complete = complete and len(rows) < limit
        found += rows
    found.sort(key=lambda item: item.cursor, reverse=True)
    return found, complete


def count(session: Session, cluster: Sequence[int]) -> int:
    """How many items the customer's whole timeline holds (every source, no filter)."""
    total = 0
    for source in sources.ALL:
        stmt = select(func.count()).select_from(source.table).where(source.owner.in_(cluster))
        total += session.scalar(stmt) or 0
    return total

"""One chronological timeline of everything that happened with a customer, newest first.

Each source (interactions, notes, cases, orders, surveys, loyalty and campaign events) is read
with keyset pagination on its ``(customer_id, time, id)`` index and ``LIMIT n``, and the pages
are merged in Python, so a customer with 10,000 items opens as fast as one with 10. Items sort
by ``(at, rank, id)`` descending (``rank`` breaks ties between sources); a cursor is the last
item's key, which each source turns into its own ``(at, id) < (:at, :id)`` bound.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, true, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from sayonce.history import sources
from sayonce.history.items import RANK, Cursor, TimelineFilter, TimelineItem
from sayonce.history.sources import Source

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """A page of items and the cursor to continue from (``None``: nothing older)."""

    items: list[TimelineItem]
    next_cursor: Cursor | None
    filter: TimelineFilter = field(default_factory=TimelineFilter)


def cursor_before(at: datetime) -> Cursor:
    """A cursor from which the timeline continues with everything older than ``at``."""
    return Cursor(at, max(RANK.values()) + 1, 0)


def _older(source: Source, cursor: Cursor) -> ColumnElement[bool]:
    if source.rank < cursor.rank:
        return source.at <= cursor.at
    if source.rank > cursor.rank:
        return source.at < cursor.at
    return tuple_(source.at, source.pk) < tuple_(cursor.at, cursor.id)


def _newer(source: Source, cursor: Cursor) -> ColumnElement[bool]:
    if source.rank < cursor.rank:
        return source.at > cursor.at
    if source.rank > cursor.rank:
        return source.at >= cursor.at
    return tuple_(source.at, source.pk) > tuple_(cursor.at, cursor.id)


def _owner(column: InstrumentedAttribute[int], cluster: Sequence[int]) -> ColumnElement[bool]:
    # One id compares with "=", so the planner walks the (customer, time, id) index in order.
    return column == cluster[0] if len(cluster) == 1 else column.in_(cluster)


def _rows(
    session: Session,
    source: Source,
    cluster: Sequence[int],
    bound: ColumnElement[bool],
    flt: TimelineFilter,
    limit: int,
    *,
    newest_first: bool = True,
) -> list[TimelineItem]:
    extra = source.where(flt, session.get_bind().dialect.name)
    if extra is None:
        return []
    order = (
        (source.at.desc(), source.pk.desc()) if newest_first else (source.at.asc(), source.pk.asc())
    )
    stmt: Select = (
        source.select()
        .where(_owner(source.owner, cluster), bound, extra)
        .order_by(*order)
        .limit(limit)
    )
    return [source.item(row) for row in session.execute(stmt)]


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
    batches = [
        _rows(session, s, cluster, true() if after is None else _older(s, after), flt, limit + 1)
        for s in sources.ALL
    ]
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
        bound = true() if top is None else _newer(source, top)
        rows = _rows(session, source, cluster, bound, flt, limit, newest_first=False)
        complete = complete and len(rows) < limit
        found += rows
    found.sort(key=lambda item: item.cursor, reverse=True)
    return found, complete


def count(session: Session, cluster: Sequence[int]) -> int:
    """How many items the customer's whole timeline holds (every source, no filter)."""
    total = 0
    for source in sources.ALL:
        stmt = select(func.count()).select_from(source.table).where(_owner(source.owner, cluster))
        total += session.scalar(stmt) or 0
    return total
